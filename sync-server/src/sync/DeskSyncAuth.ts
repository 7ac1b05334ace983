import { CloseCode, DocAccess, DocErrorCode, ErrorCode } from '@desk/protocol';
import { authenticateUpgrade } from '../identity/authenticateUpgrade.ts';
import { isAuthFailure } from '../identity/AuthContext.ts';
import type { CredentialStores } from '../identity/middleware.ts';
import { updateRateOverride } from '../billing/updateRateOverride.ts';
import type { StorageUse } from '../blobs/StorageUse.ts';
import type { SupportGrants } from '../support/SupportGrants.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type {
  Authentication,
  Authorization,
  Principal,
  SyncAuth,
  UpgradeCredentials,
} from './SyncAuth.ts';

interface DeskPrincipal extends Principal {
  /** A token is confined to its one workspace. */
  readonly tokenWorkspaceId: string | null;
}

/** What the production auth boundary uses (built once in createServices). */
export interface DeskSyncAuthDeps extends ServerContext {
  /** Read at every upgrade (who, terms) and every workspace authorized (role, plan). */
  readonly control: CredentialStores & {
    readonly terms: AsyncStore<TermsStore>;
    readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  };
  /** Audits what an operator opens under a support grant. */
  readonly support: SupportGrants;
  /**
   * What the workspace's storage holds (documents, attachments, uploads in flight): read at
   * each authorize, then kept per process for the write path's synchronous asks.
   */
  readonly storageUse: StorageUse;
}

/**
 * The production auth boundary: session cookie (Origin must be PUBLIC_URL's) or personal
 * access token at the upgrade, workspace membership and subscription state per document.
 * An operator under a support grant (terms §3) syncs as a viewer or agent from a browser
 * session only, and every document it opens is audited.
 */
export class DeskSyncAuth implements SyncAuth {
  /** The plan's update rate, or the operator's UPDATE_RATE_PER_* override of it. */
  readonly #updateRate: ReturnType<typeof updateRateOverride>;

  constructor(private readonly ctx: DeskSyncAuthDeps) {
    this.#updateRate = updateRateOverride(ctx.config);
  }

  async authenticate(credentials: UpgradeCredentials): Promise<Authentication> {
    const result = await authenticateUpgrade(this.ctx, credentials);
    if (isAuthFailure(result)) {
      return {
        ok: false,
        closeCode:
          result.failure === ErrorCode.foreignOrigin
            ? CloseCode.foreignOrigin
            : CloseCode.unauthenticated,
        message: result.message,
      };
    }
    // Terms in force not accepted (issue 16): refused like the REST API, with a typed code.
    if (await this.ctx.control.terms.blocking(result.user.id)) {
      return {
        ok: false,
        closeCode: CloseCode.termsNotAccepted,
        message: ErrorCode.termsNotAccepted,
      };
    }
    const principal: DeskPrincipal = {
      userId: result.user.id,
      sessionId: result.session?.id ?? null,
      tokenId: result.token?.id ?? null,
      tokenWorkspaceId: result.token?.workspaceId ?? null,
    };
    return { ok: true, principal };
  }

  async authorize(principal: Principal, workspaceId: string): Promise<Authorization> {
    const tokenWorkspaceId = (principal as DeskPrincipal).tokenWorkspaceId ?? null;
    if (tokenWorkspaceId !== null && tokenWorkspaceId !== workspaceId) return notMember;
    const { workspaceAccess } = this.ctx.control;
    const access = await workspaceAccess.of(principal.userId, workspaceId);
    if (!access) return notMember;
    const { support } = access;
    if (support && principal.sessionId === null) return notMember;
    const onOpened = support
      ? (docId: string) =>
          this.ctx.support.recordDocumentOpened(principal.userId, workspaceId, {
            grantId: support.grantId,
            docId,
            access: support.access,
          })
      : undefined;
    // The operator's override (DOC_SIZE_LIMIT_BYTES) replaces the plan's, never the plans.
    const limits = await workspaceAccess.limits(workspaceId);
    const maxDocBytes =
      this.ctx.config.DOC_SIZE_LIMIT_BYTES ?? limits?.documentSizeLimitBytes ?? null;
    const maxTickets = limits?.ticketLimit ?? null;
    if (access.canWrite) {
      const storage = limits
        ? await this.ctx.storageUse.limit(workspaceId, limits.storageQuotaBytes)
        : null;
      return {
        ok: true,
        access: DocAccess.write,
        readOnlyCode: null,
        maxDocBytes,
        maxTickets,
        updateRate: limits ? this.#updateRate(limits.updateRate) : null,
        messagesPerMinute: limits?.messagesPerMinute ?? null,
        storage,
        ...(onOpened ? { onOpened } : {}),
      };
    }
    return {
      ok: true,
      access: DocAccess.read,
      readOnlyCode:
        access.readOnlyReason === 'viewer'
          ? DocErrorCode.readOnlyRole
          : DocErrorCode.workspaceReadOnly,
      ...(onOpened ? { onOpened } : {}),
    };
  }
}

const notMember: Authorization = {
  ok: false,
  code: DocErrorCode.notMember,
  message: 'You are not a member of this workspace.',
};
