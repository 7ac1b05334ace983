import { CloseCode, DocAccess, DocErrorCode } from '@desk/protocol';
import type { UpdateRate } from '../billing/plans.ts';
import type {
  Authentication,
  Authorization,
  Principal,
  StorageLimit,
  SyncAuth,
  UpgradeCredentials,
} from '../sync/SyncAuth.ts';

/** A workspace grant: writer, viewer (read-only role) or member of a read-only workspace. */
export type StaticGrant = 'write' | 'viewer' | 'workspace_read_only';

export interface StaticUser {
  readonly userId: string;
  /** Present when the token stands for a browser session (cookie `sid=<token>`). */
  readonly sessionId?: string;
  readonly tokenId?: string;
  readonly workspaces: Record<string, StaticGrant>;
}

/**
 * A SyncAuth from a table, for tests and benchmarks that do not need accounts: `?token=<t>`
 * or cookie `sid=<t>` (Origin must equal `publicOrigin`) names a user; grants can change
 * while sockets are open, and authorization can be held to test the pending queue.
 */
export class StaticSyncAuth implements SyncAuth {
  readonly #users = new Map<string, StaticUser>();
  readonly #grants = new Map<string, Map<string, StaticGrant>>();
  #held: Promise<void> | null = null;
  /** Document size limit handed out with every grant (a plan's limit). */
  maxDocBytes: number | null = null;
  /** Ticket limit handed out with every grant (a plan's limit). */
  maxTickets: number | null = null;
  /** Update rate handed out with every grant (a plan's limit). */
  updateRate: UpdateRate | null = null;
  /** Chat messages per member per minute handed out with every grant (a plan's limit). */
  messagesPerMinute: number | null = null;
  /** Storage quota and use handed out with every grant (a plan's limit). */
  storage: StorageLimit | null = null;
  #release: (() => void) | null = null;

  constructor(
    users: Record<string, StaticUser>,
    private readonly publicOrigin = 'http://localhost',
  ) {
    for (const [token, user] of Object.entries(users)) {
      this.#users.set(token, user);
      this.#grants.set(user.userId, new Map(Object.entries(user.workspaces)));
    }
  }

  /** Changes (or removes, with null) a user's grant; emit the access event yourself. */
  setGrant(userId: string, workspaceId: string, grant: StaticGrant | null): void {
    const grants = this.#grants.get(userId) ?? new Map<string, StaticGrant>();
    this.#grants.set(userId, grants);
    if (grant === null) grants.delete(workspaceId);
    else grants.set(workspaceId, grant);
  }

  /** Holds every authorization until the returned function is called. */
  hold(): () => void {
    this.#held = new Promise((resolve) => (this.#release = resolve));
    return () => {
      this.#release?.();
      this.#held = null;
    };
  }

  authenticate(credentials: UpgradeCredentials): Promise<Authentication> {
    if (credentials.token !== undefined) {
      const user = this.#users.get(credentials.token);
      if (!user) return Promise.resolve(refused(CloseCode.unauthenticated, 'Unknown token.'));
      return Promise.resolve({ ok: true, principal: principalOf(user, 'token') });
    }
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(credentials.cookieHeader ?? '')?.[1];
    const user = sid === undefined ? undefined : this.#users.get(sid);
    if (!user) return Promise.resolve(refused(CloseCode.unauthenticated, 'Please log in.'));
    if (credentials.origin !== this.publicOrigin) {
      return Promise.resolve(refused(CloseCode.foreignOrigin, 'Foreign origin.'));
    }
    return Promise.resolve({ ok: true, principal: principalOf(user, 'session') });
  }

  async authorize(principal: Principal, workspaceId: string): Promise<Authorization> {
    if (this.#held) await this.#held;
    const grant = this.#grants.get(principal.userId)?.get(workspaceId);
    switch (grant) {
      case undefined:
        return { ok: false, code: DocErrorCode.notMember, message: 'Not a member.' };
      case 'write':
        return {
          ok: true,
          access: DocAccess.write,
          readOnlyCode: null,
          maxDocBytes: this.maxDocBytes,
          maxTickets: this.maxTickets,
          updateRate: this.updateRate,
          messagesPerMinute: this.messagesPerMinute,
          storage: this.storage,
        };
      case 'viewer':
        return { ok: true, access: DocAccess.read, readOnlyCode: DocErrorCode.readOnlyRole };
      case 'workspace_read_only':
        return { ok: true, access: DocAccess.read, readOnlyCode: DocErrorCode.workspaceReadOnly };
      default: {
        const unreachable: never = grant;
        return unreachable;
      }
    }
  }
}

function principalOf(user: StaticUser, via: 'token' | 'session'): Principal {
  return {
    userId: user.userId,
    // A test user with a sessionId carries it on both paths, so revocation is easy to test.
    sessionId: user.sessionId ?? (via === 'session' ? `session-${user.userId}` : null),
    tokenId: via === 'token' ? (user.tokenId ?? `token-${user.userId}`) : null,
  };
}

function refused(closeCode: CloseCode, message: string): Authentication {
  return { ok: false, closeCode, message };
}
