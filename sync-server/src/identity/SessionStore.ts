import type { SessionInfo as ProtocolSessionInfo } from '@desk/protocol';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AuthUser } from './AuthContext.ts';
import { generateSecretToken, hashSecretToken } from './secretTokens.ts';
import { toAuthUser, type UserStore } from './UserStore.ts';
import { cachedStatement } from '../db/statementCache.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

const day = 24 * 60 * 60 * 1000;
/** A session lives 30 days from its last extension (Lucia's default). */
export const SESSION_LIFETIME_MS = 30 * day;
/** Once half of the lifetime is used, a request extends it to the full 30 days again. */
export const SESSION_RENEW_WITHIN_MS = 15 * day;
/** `last_seen_at` is written at most this often, so reading pages does not mean writing rows. */
export const LAST_SEEN_RESOLUTION_MS = 60 * 1000;

export interface NewSession {
  readonly id: string;
  /** The secret for the cookie. Shown once; only its SHA-256 is stored. */
  readonly token: string;
  readonly expiresAt: number;
}

export interface ValidSession {
  readonly id: string;
  readonly user: AuthUser;
  readonly expiresAt: number;
  /** True when this validation moved the expiry: the cookie must be set again. */
  readonly renewed: boolean;
}

/** A session as its user lists it; the route adds `current` (`SessionInfo` of the protocol). */
export type SessionInfo = Omit<ProtocolSessionInfo, 'current'>;

/** `SessionStore` with promises: the SQLite store wrapped, or `SqlSessionStore` on PostgreSQL. */
export type AsyncSessionStore = AsyncStore<SessionStore>;

/** A `sessions` row as validation reads it (both engines). */
export interface SessionRow {
  id: string;
  user_id: string;
  expires_at: number;
  last_seen_at: number;
}

export type SessionValidation =
  | { readonly kind: 'valid'; readonly session: ValidSession }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'suspended' };

/**
 * Sessions as lucia-auth.com describes them: a 160-bit random token in the cookie, its
 * SHA-256 in the database, 30 days of life extended when half used, checked on every
 * request. Every way a session ends goes through `end…` here, which announces the ended
 * ids (`sessionsRevoked` on AccessEvents) so live WebSockets close at once.
 */
export interface SessionStore {
  create(userId: string, client: { ip: string | null; userAgent: string | null }): NewSession;
  /** Checks a cookie's token; renews a session past half its life unless `renew: false`. */
  validate(token: string, options?: { renew?: boolean }): SessionValidation;
  listForUser(userId: string): SessionInfo[];
  endOne(userId: string, sessionId: string): boolean;
  /** Ends every session of the user except `keepSessionId`; returns how many ended. */
  endAllForUser(userId: string, keepSessionId?: string | null): number;
  sweepExpired(): number;
}

export class SqliteSessionStore implements SessionStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly access: AccessEvents,
    private readonly users: UserStore,
  ) {}

  create(userId: string, client: { ip: string | null; userAgent: string | null }): NewSession {
    const token = generateSecretToken();
    const now = this.now();
    const session = { id: newId(), token, expiresAt: now + SESSION_LIFETIME_MS };
    this.db
      .prepare(
        `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        session.id,
        userId,
        hashSecretToken(token),
        now,
        session.expiresAt,
        now,
        client.ip,
        client.userAgent?.slice(0, 512) ?? null,
      );
    return session;
  }

  /**
   * Checks the token and, unless `renew` is false, extends a half-used session. WebSocket
   * upgrades pass `renew: false`: they cannot set the cookie again, and a database expiry
   * moved without the cookie would let the browser drop the cookie first.
   */
  validate(token: string, { renew = true }: { renew?: boolean } = {}): SessionValidation {
    const db = this.db;
    const now = this.now();
    const row = cachedStatement(
      db,
      'SELECT id, user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = ?',
    ).get(hashSecretToken(token)) as SessionRow | undefined;
    if (!row) return { kind: 'invalid' };
    if (now >= row.expires_at) {
      this.end([row.id]);
      return { kind: 'invalid' };
    }
    const user = this.users.byId(row.user_id);
    if (!user) return { kind: 'invalid' };
    if (user.status === 'suspended') return { kind: 'suspended' };

    let expiresAt = row.expires_at;
    const renewed = renew && now >= row.expires_at - SESSION_RENEW_WITHIN_MS;
    if (renewed) expiresAt = now + SESSION_LIFETIME_MS;
    if (renewed || now - row.last_seen_at >= LAST_SEEN_RESOLUTION_MS) {
      cachedStatement(db, 'UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE id = ?').run(
        expiresAt,
        now,
        row.id,
      );
    }
    return { kind: 'valid', session: { id: row.id, user: toAuthUser(user), expiresAt, renewed } };
  }

  listForUser(userId: string): SessionInfo[] {
    const rows = this.db
      .prepare(
        `SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
         WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC`,
      )
      .all(userId, this.now()) as {
      id: string;
      created_at: number;
      last_seen_at: number;
      expires_at: number;
      ip: string | null;
      user_agent: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      ip: r.ip,
      userAgent: r.user_agent,
    }));
  }

  /** Ends one of the user's sessions; false if it is not theirs (or already gone). */
  endOne(userId: string, sessionId: string): boolean {
    const row = this.db
      .prepare('SELECT id FROM sessions WHERE id = ? AND user_id = ?')
      .get(sessionId, userId);
    if (!row) return false;
    this.end([sessionId]);
    return true;
  }

  /** Ends every session of the user except `keepSessionId` (if given); returns how many. */
  endAllForUser(userId: string, keepSessionId: string | null = null): number {
    const ids = (
      this.db.prepare('SELECT id FROM sessions WHERE user_id = ?').all(userId) as {
        id: string;
      }[]
    )
      .map((r) => r.id)
      .filter((id) => id !== keepSessionId);
    this.end(ids);
    return ids.length;
  }

  /**
   * Ends sessions past their expiry that nobody presented since (validate deletes the
   * ones it sees). Announced like any other ending, so a socket opened on one closes.
   */
  sweepExpired(): number {
    const ids = (
      this.db.prepare('SELECT id FROM sessions WHERE expires_at <= ?').all(this.now()) as {
        id: string;
      }[]
    ).map((r) => r.id);
    this.end(ids);
    return ids.length;
  }

  /** The one place sessions are deleted, so the access event is never forgotten. */
  private end(sessionIds: readonly string[]): void {
    if (sessionIds.length === 0) return;
    const remove = this.db.prepare('DELETE FROM sessions WHERE id = ?');
    this.db.transaction(() => {
      for (const id of sessionIds) remove.run(id);
    })();
    this.access.emit('sessionsRevoked', { sessionIds });
  }
}
