/**
 * The closed lists of the workspace contract (roles, subscription states, read-only
 * reasons), shared by the server and the web UI. The REST bodies built from them are in
 * `rest/workspaces.ts`; these constants stay free of zod so the web bundle can use them.
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
export const WORKSPACE_READ_ONLY_REASONS = ['trial_expired', 'suspended', 'terminated'] as const;
export type WorkspaceReadOnlyReason = (typeof WORKSPACE_READ_ONLY_REASONS)[number];

/** Why a member may read but not write: the workspace's state, or the viewer role. */
export const READ_ONLY_REASONS = [...WORKSPACE_READ_ONLY_REASONS, 'viewer'] as const;
export type ReadOnlyReason = (typeof READ_ONLY_REASONS)[number];

export const INVITATION_STATUSES = ['pending', 'expired', 'accepted', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const SEAT_EVENTS = ['joined', 'removed', 'role_changed'] as const;
export type SeatEvent = (typeof SEAT_EVENTS)[number];

/** The subscription plans (their numbers are data on the server, `billing/plans.ts`). */
export const PLAN_IDS = ['trial', 'starter', 'team', 'business'] as const;
export type PlanId = (typeof PLAN_IDS)[number];
