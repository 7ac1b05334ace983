/**
 * REST contract of a workspace as its members see it (`GET /api/workspaces/:slug`,
 * `PATCH` and `POST /api/workspaces`), shared by the server routes and the web UI.
 */

/** Roles in a workspace, strongest first (the server's `roles.ts` explains each). */
export const WORKSPACE_ROLES = ['owner', 'admin', 'agent', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** Roles an invitation may grant; ownership only changes hands by transfer. */
export const INVITABLE_ROLES = ['admin', 'agent', 'viewer'] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

/** The subscription state machine's states (the server's `SubscriptionState.ts`). */
export const SUBSCRIPTION_STATES = [
  'trialing',
  'active',
  'past_due',
  'suspended',
  'terminated',
] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

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

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

/** An invitation as owners and admins list it (`GET /api/workspaces/:slug/invitations`). */
export interface WorkspaceInvitation {
  id: string;
  workspaceId: string;
  email: string;
  role: InvitableRole;
  invitedBy: string;
  invitedByName: string;
  createdAt: number;
  expiresAt: number;
  lastSentAt: number;
  sendCount: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
  revokedAt: number | null;
  status: InvitationStatus;
}

export type SeatEvent = 'joined' | 'removed' | 'role_changed';

/** One entry of the seat ledger, the billing basis (`GET /api/workspaces/:slug/seats`). */
export interface SeatLedgerEntry {
  id: number;
  userId: string;
  displayName: string;
  email: string;
  event: SeatEvent;
  role: WorkspaceRole | null;
  previousRole: WorkspaceRole | null;
  actorUserId: string | null;
  actorDisplayName: string | null;
  seatsAfter: number;
  at: number;
}
