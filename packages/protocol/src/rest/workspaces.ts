/**
 * REST bodies of workspaces as their members see them (`/api/workspaces…`), of invitations
 * (`/api/invitations/*`) and of `/api/host`, shared by the server routes and the web UI.
 */
import { z } from 'zod';
import { SUPPORT_GRANT_ACCESS } from '../supportGrants.ts';
import {
  INVITABLE_ROLES,
  INVITATION_STATUSES,
  READ_ONLY_REASONS,
  SEAT_EVENTS,
  SUBSCRIPTION_STATES,
  WORKSPACE_ROLES,
} from '../workspaces.ts';
import { Millis } from './common.ts';

const Role = z.enum(WORKSPACE_ROLES);
const InvitableRole = z.enum(INVITABLE_ROLES);

export const WorkspaceMember = z.strictObject({
  userId: z.string(),
  displayName: z.string(),
  email: z.string(),
  role: Role,
  joinedAt: Millis,
});
export type WorkspaceMember = z.infer<typeof WorkspaceMember>;

export const MemberList = z.strictObject({ members: z.array(WorkspaceMember) });
export type MemberList = z.infer<typeof MemberList>;

/** The plan of a workspace, as its members see it. */
export const WorkspacePlan = z.strictObject({
  id: z.string(),
  name: z.string(),
  seatLimit: z.number().int(),
  storageQuotaBytes: z.number().int(),
  documentSizeLimitBytes: z.number().int(),
  snapshotRetentionDays: z.number().int(),
});
export type WorkspacePlan = z.infer<typeof WorkspacePlan>;

export const SeatUsage = z.strictObject({
  used: z.number().int(),
  limit: z.number().int(),
  pendingInvitations: z.number().int(),
});
export type SeatUsage = z.infer<typeof SeatUsage>;

export const WorkspaceInfo = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: Role,
  state: z.enum(SUBSCRIPTION_STATES),
  readOnly: z.boolean(),
  readOnlyReason: z.enum(READ_ONLY_REASONS).nullable(),
  plan: WorkspacePlan,
  seats: SeatUsage,
  trialEndsAt: Millis.nullable(),
  deleteAfter: Millis.nullable(),
  /** The customer (who pays) owning this workspace; `isCustomerOwner` is the caller. */
  customer: z.strictObject({ id: z.string(), name: z.string(), isCustomerOwner: z.boolean() }),
  /**
   * Only when the caller is an operator here under the customer's support grant (terms §3),
   * not a member: what the grant allows and until when (the app says so on every page).
   */
  support: z
    .strictObject({ grantId: z.string(), access: z.enum(SUPPORT_GRANT_ACCESS), expiresAt: Millis })
    .optional(),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** `GET /api/workspaces/:slug` (and the answer of creating or renaming one). */
export const WorkspacePayload = z.strictObject({
  workspace: WorkspaceInfo,
  members: z.array(WorkspaceMember),
  /**
   * Ids of former members whose account was deleted: what they wrote is shown as written by
   * "Deleted user". Absent from servers older than account deletion.
   */
  deletedUserIds: z.array(z.string()).optional(),
});
export type WorkspacePayload = z.infer<typeof WorkspacePayload>;

/** One of the caller's workspaces (`GET /api/workspaces`). */
export const WorkspaceListEntry = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: Role,
  state: z.enum(SUBSCRIPTION_STATES),
  readOnlyReason: z.enum(READ_ONLY_REASONS).nullable(),
});
export type WorkspaceListEntry = z.infer<typeof WorkspaceListEntry>;

export const WorkspaceList = z.strictObject({ workspaces: z.array(WorkspaceListEntry) });
export type WorkspaceList = z.infer<typeof WorkspaceList>;

export const CreateWorkspaceRequest = z.object({
  name: z.string(),
  slug: z.string(),
  /** Which of the caller's customers pays for it; default: the oldest they own. */
  customerId: z.string().optional(),
});
export type CreateWorkspaceRequest = z.input<typeof CreateWorkspaceRequest>;

export const RenameWorkspaceRequest = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(100),
});
export type RenameWorkspaceRequest = z.input<typeof RenameWorkspaceRequest>;

export const ChangeRoleRequest = z.object({ role: InvitableRole });
export type ChangeRoleRequest = z.input<typeof ChangeRoleRequest>;

export const TransferOwnershipRequest = z.object({ userId: z.string().min(1) });
export type TransferOwnershipRequest = z.input<typeof TransferOwnershipRequest>;

/** One entry of the seat ledger, the billing basis. */
export const SeatLedgerEntry = z.strictObject({
  id: z.number().int(),
  userId: z.string(),
  displayName: z.string(),
  email: z.string(),
  event: z.enum(SEAT_EVENTS),
  role: Role.nullable(),
  previousRole: Role.nullable(),
  actorUserId: z.string().nullable(),
  actorDisplayName: z.string().nullable(),
  seatsAfter: z.number().int(),
  at: Millis,
});
export type SeatLedgerEntry = z.infer<typeof SeatLedgerEntry>;

/** `GET /api/workspaces/:slug/seats`: usage and the ledger, newest first. */
export const SeatsResponse = SeatUsage.extend({ history: z.array(SeatLedgerEntry) });
export type SeatsResponse = z.infer<typeof SeatsResponse>;

/** Pages of the audit log: entries older than `before` (ms). */
export const AuditQuery = z.object({ before: z.coerce.number().int().positive().optional() });

export const AUDIT_ACTOR_KINDS = ['operator', 'user', 'billing', 'system'] as const;

/** One audit entry: who (operator, user, billing, system) did what to which account object. */
export const AuditEntry = z.strictObject({
  id: z.number().int(),
  at: Millis,
  actorKind: z.enum(AUDIT_ACTOR_KINDS),
  actorUserId: z.string().nullable(),
  actorDisplayName: z.string().nullable(),
  /** Dotted verb, e.g. `workspace.suspended`, `subscription.plan_changed`. */
  action: z.string(),
  targetKind: z.string(),
  targetId: z.string(),
  workspaceId: z.string().nullable(),
  customerId: z.string().nullable(),
  /** Small facts (before/after values, reason); never secrets or content. */
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.strictObject({ entries: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;

/** An invitation as owners and admins list it. */
export const WorkspaceInvitation = z.strictObject({
  id: z.string(),
  workspaceId: z.string(),
  email: z.string(),
  role: InvitableRole,
  invitedBy: z.string(),
  invitedByName: z.string(),
  createdAt: Millis,
  expiresAt: Millis,
  lastSentAt: Millis,
  sendCount: z.number().int(),
  acceptedAt: Millis.nullable(),
  acceptedBy: z.string().nullable(),
  revokedAt: Millis.nullable(),
  status: z.enum(INVITATION_STATUSES),
});
export type WorkspaceInvitation = z.infer<typeof WorkspaceInvitation>;

export const InvitationList = z.strictObject({ invitations: z.array(WorkspaceInvitation) });
export type InvitationList = z.infer<typeof InvitationList>;

export const InvitationResponse = z.strictObject({ invitation: WorkspaceInvitation });
export type InvitationResponse = z.infer<typeof InvitationResponse>;

export const InviteRequest = z.object({ email: z.string().max(254), role: InvitableRole });
export type InviteRequest = z.input<typeof InviteRequest>;

/** The invitation link's token, in a body (never in a URL). */
export const InvitationTokenRequest = z.object({ token: z.string().min(1).max(200) });
export type InvitationTokenRequest = z.input<typeof InvitationTokenRequest>;

/** What an invitation link offers, before the person decides. */
export const InvitationPreview = z.strictObject({
  invitation: z.strictObject({
    email: z.string(),
    role: InvitableRole,
    invitedByName: z.string(),
    expiresAt: Millis,
    workspace: z.strictObject({ name: z.string(), slug: z.string() }),
  }),
  accountExists: z.boolean(),
  signedInAs: z.string().nullable(),
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;

export const AcceptInvitationRequest = InvitationTokenRequest.extend({
  /** Only when registering a new account through the link. */
  displayName: z.string().trim().min(1, 'Enter your name.').max(100).optional(),
  password: z.string().optional(),
  acceptTerms: z.boolean().optional(),
});
export type AcceptInvitationRequest = z.input<typeof AcceptInvitationRequest>;

export const AcceptInvitationResponse = z.strictObject({
  workspace: z.strictObject({ slug: z.string() }),
  /** Whether a new account was registered (and logged in) on the way. */
  registered: z.boolean(),
});
export type AcceptInvitationResponse = z.infer<typeof AcceptInvitationResponse>;

/** The workspace named by the Host header (`<slug>.<BASE_DOMAIN>`), if any. */
export const HostInfo = z.strictObject({
  baseDomain: z.string().nullable(),
  workspaceSlug: z.string().nullable(),
});
export type HostInfo = z.infer<typeof HostInfo>;
