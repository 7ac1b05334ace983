/**
 * REST contract of a workspace as its members see it (`GET /api/workspaces/:slug`,
 * `PATCH` and `POST /api/workspaces`), shared by the server routes and the web UI.
 */

/** Roles in a workspace, strongest first (the server's `roles.ts` explains each). */
export type WorkspaceRole = 'owner' | 'admin' | 'agent' | 'viewer';

export type SubscriptionState = 'trialing' | 'active' | 'past_due' | 'suspended' | 'terminated';

/** Why a workspace itself is read-only, whatever the member's role. */
export type WorkspaceReadOnlyReason = 'trial_expired' | 'suspended' | 'terminated';

/** Why a member may read but not write: the workspace's state, or the viewer role. */
export type ReadOnlyReason = WorkspaceReadOnlyReason | 'viewer';

export interface WorkspaceMember {
  userId: string;
  displayName: string;
  email: string;
  role: WorkspaceRole;
  joinedAt: number;
}

export interface WorkspacePayload {
  workspace: {
    id: string;
    slug: string;
    name: string;
    role: WorkspaceRole;
    state: SubscriptionState;
    readOnly: boolean;
    readOnlyReason: ReadOnlyReason | null;
    plan: {
      id: string;
      name: string;
      seatLimit: number;
      storageQuotaBytes: number;
      documentSizeLimitBytes: number;
      snapshotRetentionDays: number;
    };
    seats: { used: number; limit: number; pendingInvitations: number };
    trialEndsAt: number | null;
    deleteAfter: number | null;
    /** The customer (who pays) owning this workspace; `isCustomerOwner` is the caller. */
    customer: { id: string; name: string; isCustomerOwner: boolean };
  };
  members: WorkspaceMember[];
}
