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

/** `GET /api/terms`: the version in force, and the next one once published. */
export const TermsResponse = z.strictObject({
  current: TermsVersion,
  upcoming: TermsVersion.nullable(),
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
