import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import type { RateLimiter } from '../http/rateLimit/index.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SessionStore } from '../identity/SessionStore.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { InvitationStore } from './InvitationStore.ts';
import type { MemberRequestDeps } from './memberRequest.ts';
import type { MembershipStore } from './MembershipStore.ts';
import type { WorkspaceAccessStore } from './WorkspaceAccessStore.ts';
import type { WorkspaceStore } from './WorkspaceStore.ts';

/**
 * The stores the workspace, member and invitation routes read and write, on their async
 * interfaces (issue 19: PostgreSQL may answer); `Services.control` in the server.
 */
export interface WorkspaceRouteStores {
  readonly transactions: AsyncTransactions;
  readonly users: AsyncStore<UserStore>;
  readonly sessions: AsyncStore<SessionStore>;
  readonly terms: AsyncStore<TermsStore>;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly memberships: AsyncStore<MembershipStore>;
  readonly invitations: AsyncStore<InvitationStore>;
  readonly audit: AsyncStore<AuditStore>;
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
}

/** What the workspace, member and invitation routes use (built once in createServices). */
export interface WorkspaceRouteDeps extends ServerContext, MemberRequestDeps {
  readonly control: WorkspaceRouteStores;
  readonly mailer: Mailer;
  readonly limiter: RateLimiter;
}
