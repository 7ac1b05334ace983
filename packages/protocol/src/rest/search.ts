import { z } from 'zod';
import { SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, SEARCH_QUERY_MAX_LENGTH } from '../search.ts';

/**
 * `GET /api/workspaces/:slug/search?q=…&limit=…` (issue 15): full-text search over the
 * server's projection of a workspace's tickets, for the tickets a device does not hold.
 */
export const TicketSearchQuery = z.object({
  /** What the user typed; every word must match (the last one as a prefix). Empty: no hits. */
  q: z.string().max(SEARCH_QUERY_MAX_LENGTH).default(''),
  limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
});
export type TicketSearchQuery = z.infer<typeof TicketSearchQuery>;

export const TicketSearchHit = z.strictObject({
  ticketId: z.string(),
  /** Null while the ticket waits for its number (created offline). */
  number: z.number().int().nullable(),
  title: z.string(),
  /** Plain text around the first match in the description or thread (no markup). */
  snippet: z.string(),
});
export type TicketSearchHit = z.infer<typeof TicketSearchHit>;

export const TicketSearchResponse = z.strictObject({
  /** Best match first. */
  hits: z.array(TicketSearchHit),
});
export type TicketSearchResponse = z.infer<typeof TicketSearchResponse>;
