import type { AuditStore } from '../audit/AuditStore.ts';
import type { Transactions } from '../db/Transactions.ts';
import type { RateLimiter } from '../http/rateLimit/index.ts';
import type { SessionStore } from '../identity/SessionStore.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { InvitationStore } from './InvitationStore.ts';
import type { MembershipStore } from './MembershipStore.ts';
import type { WorkspaceAccessStore } from './WorkspaceAccessStore.ts';
import type { WorkspaceStore } from './WorkspaceStore.ts';

/** What the workspace, member and invitation routes use (built once in createServices). */
export interface WorkspaceRouteDeps extends ServerContext {
  readonly transactions: Transactions;
  readonly mailer: Mailer;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly terms: TermsStore;
  readonly workspaces: WorkspaceStore;
  readonly memberships: MembershipStore;
  readonly invitations: InvitationStore;
  readonly limiter: RateLimiter;
  readonly audit: AuditStore;
  readonly workspaceAccess: WorkspaceAccessStore;
}
