import { z } from 'zod';
import { NEW_TICKET_REFUSALS, USAGE_LIMIT_NAMES } from '../usage.ts';
import { Millis } from './common.ts';

/**
 * `GET /api/workspaces/:slug/usage` (issues 15 and 17): a workspace's use of each limit of
 * its plan, so Settings shows a meter per limit and every member's app warns near a limit
 * and refuses new tickets up front when the workspace is full.
 */
export const UsageMeter = z.strictObject({
  name: z.enum(USAGE_LIMIT_NAMES),
  unit: z.enum(['bytes', 'count']),
  used: z.number().int().nonnegative(),
  /** null: this plan has no such limit (the meter only informs). */
  limit: z.number().int().positive().nullable(),
});
export type UsageMeter = z.infer<typeof UsageMeter>;

export const WorkspaceUsageResponse = z.strictObject({
  plan: z.strictObject({ id: z.string(), name: z.string() }),
  /** Documents as the server stores them (merged state plus log), for information. */
  documents: z.strictObject({
    count: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative(),
    /** The largest document (often the index); null in a workspace without documents. */
    largest: z
      .strictObject({ docId: z.string(), bytes: z.number().int().nonnegative() })
      .nullable(),
    /** The index document every new ticket writes to. */
    indexBytes: z.number().int().nonnegative(),
  }),
  /** One meter per limit of the plan, in `UsageLimitName` order. */
  meters: z.array(UsageMeter),
  /** Whether a new ticket fits now; `reason` names the limit that stops it. */
  newTickets: z.strictObject({
    allowed: z.boolean(),
    reason: z.enum(NEW_TICKET_REFUSALS).nullable(),
  }),
  /** When the figures were read. */
  at: Millis,
});
export type WorkspaceUsageResponse = z.infer<typeof WorkspaceUsageResponse>;
