import { DocErrorCode } from '@desk/protocol';
import type {
  Authentication,
  Authorization,
  Principal,
  SyncAuth,
  UpgradeCredentials,
} from '../sync/SyncAuth.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { WorkspaceDeletionStore } from '../workspaces/WorkspaceDeletionStore.ts';

/**
 * The sync side of a closed workspace (issue 16): wraps the production auth boundary and
 * refuses every document of a workspace being deleted with `workspace_deleted` — at
 * subscribe, and when live subscriptions re-authorize after `workspaceStateChanged` (they
 * end with that code; on /yjs the socket closes 4404 with it as the reason). The client
 * forgets its replica of the workspace on hearing it.
 */
export class ClosedWorkspaceSyncAuth implements SyncAuth {
  constructor(
    private readonly inner: SyncAuth,
    /** Read at every authorization (PostgreSQL may answer: awaited). */
    private readonly deletions: Pick<AsyncStore<WorkspaceDeletionStore>, 'pending'>,
  ) {}

  authenticate(credentials: UpgradeCredentials): Promise<Authentication> {
    return this.inner.authenticate(credentials);
  }

  async authorize(principal: Principal, workspaceId: string): Promise<Authorization> {
    const authorization = await this.inner.authorize(principal, workspaceId);
    // Non-members learn nothing about the workspace: their refusal stays `not_member`.
    if (!authorization.ok || (await this.deletions.pending(workspaceId)) === null) {
      return authorization;
    }
    return {
      ok: false,
      code: DocErrorCode.workspaceDeleted,
      message: 'This workspace is being deleted.',
    };
  }
}
