/**
 * REST bodies of support-access grants (terms §3, issue 16): an owner or admin lets the
 * service's operators into one workspace for a stated reason and a bounded time, read-only
 * unless the grant says `write`, and can revoke it.
 */
import { z } from 'zod';
import {
  SUPPORT_GRANT_ACCESS,
  SUPPORT_GRANT_MAX_MS,
  SUPPORT_GRANT_MIN_MS,
  SUPPORT_GRANT_STATUSES,
} from '../supportGrants.ts';
import { Millis } from './common.ts';

/** Read-only (the default), or also write. */
export const SupportGrantAccess = z.enum(SUPPORT_GRANT_ACCESS);
export type SupportGrantAccess = z.infer<typeof SupportGrantAccess>;

/** `active` until it expires or is revoked. */
export const SupportGrantStatus = z.enum(SUPPORT_GRANT_STATUSES);
export type SupportGrantStatus = z.infer<typeof SupportGrantStatus>;

/** `POST /api/workspaces/:slug/support-grants`. */
export const CreateSupportGrantRequest = z.object({
  /** Why support may look, in the customer's words (shown to the operator and in the audit log). */
  reason: z.string().trim().min(1, 'Say why support may look.').max(1_000),
  /** How long the grant lasts, in milliseconds: one hour to seven days. */
  durationMs: z
    .number()
    .int()
    .min(SUPPORT_GRANT_MIN_MS, 'A grant lasts at least one hour.')
    .max(SUPPORT_GRANT_MAX_MS, 'A grant lasts at most seven days.'),
  /** Read-only unless `write`. */
  access: SupportGrantAccess.default('read'),
});
export type CreateSupportGrantRequest = z.input<typeof CreateSupportGrantRequest>;

/** One grant as the workspace's owners and admins see it. */
export const SupportGrant = z.strictObject({
  id: z.string(),
  workspaceId: z.string(),
  reason: z.string(),
  access: SupportGrantAccess,
  status: SupportGrantStatus,
  createdAt: Millis,
  expiresAt: Millis,
  grantedBy: z.strictObject({ userId: z.string(), displayName: z.string() }),
  revokedAt: Millis.nullable(),
  revokedBy: z.strictObject({ userId: z.string(), displayName: z.string() }).nullable(),
  /** What the operators did under it (the audit log has each one). */
  activity: z.strictObject({
    /** REST requests (`support.request`). */
    requests: z.number().int(),
    /** Documents opened over /sync or /yjs (`support.document_opened`). */
    documentsOpened: z.number().int(),
  }),
});
export type SupportGrant = z.infer<typeof SupportGrant>;

/** `GET /api/workspaces/:slug/support-grants`: newest first, active and past. */
export const SupportGrantList = z.strictObject({ grants: z.array(SupportGrant) });
export type SupportGrantList = z.infer<typeof SupportGrantList>;

/** `POST` (201) and `DELETE …/:grantId` (200): the grant as it is now. */
export const SupportGrantResponse = z.strictObject({ grant: SupportGrant });
export type SupportGrantResponse = z.infer<typeof SupportGrantResponse>;

/** One workspace an operator may open now (`GET /api/operator/support-grants`). */
export const OperatorSupportGrant = z.strictObject({
  grantId: z.string(),
  workspace: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  reason: z.string(),
  access: SupportGrantAccess,
  createdAt: Millis,
  expiresAt: Millis,
  grantedBy: z.string(),
});
export type OperatorSupportGrant = z.infer<typeof OperatorSupportGrant>;

export const OperatorSupportGrantList = z.strictObject({ grants: z.array(OperatorSupportGrant) });
export type OperatorSupportGrantList = z.infer<typeof OperatorSupportGrantList>;
