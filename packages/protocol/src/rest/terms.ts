/** REST bodies of the versioned terms of service (`/api/terms`, `/api/operator/terms`). */
import { z } from 'zod';
import { Millis } from './common.ts';

/** One published version of the terms of service. */
export const TermsVersion = z.strictObject({
  version: z.string(),
  text: z.string(),
  /** What changed since the version before, in the operator's words. */
  changes: z.string(),
  effectiveAt: Millis,
  publishedAt: Millis,
});
export type TermsVersion = z.infer<typeof TermsVersion>;

/** What one version changed, as the operator wrote it when publishing it. */
export const TermsChange = z.strictObject({ version: z.string(), changes: z.string() });
export type TermsChange = z.infer<typeof TermsChange>;

/** `GET /api/terms`: the version in force, and the next one once published. */
export const TermsResponse = z.strictObject({
  current: TermsVersion,
  upcoming: TermsVersion.nullable(),
  /**
   * For a signed-in user: what every version published after the newest one they accepted
   * changed, oldest first (version 1 has nothing to say). A user who skipped versions reads
   * every change, not only the last one's. Empty when signed out or up to date.
   */
  changesSinceAccepted: z.array(TermsChange),
});
export type TermsResponse = z.infer<typeof TermsResponse>;

export const OperatorTermsVersion = TermsVersion.extend({
  /** Whether every user has been emailed about it. */
  announced: z.boolean(),
  acceptances: z.number().int(),
});
export type OperatorTermsVersion = z.infer<typeof OperatorTermsVersion>;

export const OperatorTermsList = z.strictObject({ versions: z.array(OperatorTermsVersion) });
export type OperatorTermsList = z.infer<typeof OperatorTermsList>;

export const PublishTermsRequest = z.object({
  text: z.string().trim().min(1).max(200_000),
  /** What changed, in words users read beside the new text. */
  changes: z.string().trim().min(1).max(5_000),
  /** Ms since the epoch; omitted means now. */
  effectiveAt: z.number().int().positive().optional(),
});
export type PublishTermsRequest = z.input<typeof PublishTermsRequest>;
