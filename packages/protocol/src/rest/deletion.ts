/**
 * REST bodies of workspace deletion (`/api/workspaces/:slug/deletion`, issue 16): the owner
 * asks for it with their password, the workspace is closed at once, and its data is purged
 * for good when the cancel window ends unless the owner cancels first.
 */
import { z } from 'zod';
import { Millis } from './common.ts';

export { WORKSPACE_DELETION_CANCEL_DAYS } from '../deletion.ts';

/** Why a workspace is being deleted: its owner asked, or its subscription was terminated. */
export const WORKSPACE_DELETION_REASONS = ['owner_request', 'subscription_terminated'] as const;
export const WorkspaceDeletionReason = z.enum(WORKSPACE_DELETION_REASONS);
export type WorkspaceDeletionReason = z.infer<typeof WorkspaceDeletionReason>;

/** The owner's password, typed again (as for deleting an account). */
export const RequestWorkspaceDeletionRequest = z.object({ password: z.string().max(1024) });
export type RequestWorkspaceDeletionRequest = z.input<typeof RequestWorkspaceDeletionRequest>;

/**
 * Where a workspace stands. `pending` false: nothing is scheduled (never asked, or cancelled).
 * While pending, every other route of the workspace answers 410 `workspace_deleted`.
 */
export const WorkspaceDeletionStatus = z.strictObject({
  workspace: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  pending: z.boolean(),
  reason: WorkspaceDeletionReason.nullable(),
  requestedAt: Millis.nullable(),
  /** When the data is deleted for good (the purge runs at the first sweep after it). */
  purgeAfter: Millis.nullable(),
  /** Whether the caller may cancel now (the owner, while pending and before the purge). */
  canCancel: z.boolean(),
});
export type WorkspaceDeletionStatus = z.infer<typeof WorkspaceDeletionStatus>;

/**
 * The operator console's list of deletions (`GET /api/operator/deletions`): workspaces closed
 * and waiting for their purge (name and slug still shown, as the owner may cancel), and
 * purged ones as ids and dates only — nothing of their content exists any more.
 */
export const OperatorPendingDeletion = z.strictObject({
  workspaceId: z.string(),
  slug: z.string(),
  name: z.string(),
  reason: WorkspaceDeletionReason,
  requestedAt: Millis,
  purgeAfter: Millis,
});
export type OperatorPendingDeletion = z.infer<typeof OperatorPendingDeletion>;

export const OperatorPurgedWorkspace = z.strictObject({
  workspaceId: z.string(),
  customerId: z.string(),
  reason: WorkspaceDeletionReason,
  requestedAt: Millis.nullable(),
  purgedAt: Millis,
});
export type OperatorPurgedWorkspace = z.infer<typeof OperatorPurgedWorkspace>;

/** Pending soonest purge first; purged newest first (the latest 200). */
export const OperatorDeletionList = z.strictObject({
  pending: z.array(OperatorPendingDeletion),
  purged: z.array(OperatorPurgedWorkspace),
});
export type OperatorDeletionList = z.infer<typeof OperatorDeletionList>;
