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
  /**
   * Terms §4: set when the operator disabled access to the ticket (the title is then the
   * words "Access to this content has been disabled — <reason>" and the snippet is empty).
   */
  disabledReason: z.string().optional(),
});
export type TicketSearchHit = z.infer<typeof TicketSearchHit>;

export const TicketSearchResponse = z.strictObject({
  /** Best match first. */
  hits: z.array(TicketSearchHit),
});
export type TicketSearchResponse = z.infer<typeof TicketSearchResponse>;

/** Rows of the first page when `limit` is not given: more than a tall screen shows. */
export const FIRST_PAGE_DEFAULT_LIMIT = 50;
/** The most rows one first page holds. */
export const FIRST_PAGE_MAX_LIMIT = 200;

/**
 * `GET /api/workspaces/:slug/tickets/first-page?limit=…` (issue 15): the first rows of the
 * default ticket list (live tickets, newest change first) from the server's projection, so
 * a new device paints them before the workspace index has synced and decoded.
 */
export const FirstPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(FIRST_PAGE_MAX_LIMIT).default(FIRST_PAGE_DEFAULT_LIMIT),
});
export type FirstPageQuery = z.infer<typeof FirstPageQuery>;

/** One row: the list's columns only (the index record has more). */
export const FirstPageRow = z.strictObject({
  id: z.string(),
  /** Null while the ticket waits for its number (created offline). */
  number: z.number().int().nullable(),
  /** Shown instead of the number while it is pending. */
  provisionalNumber: z.string(),
  title: z.string(),
  status: z.enum(['new', 'open', 'pending', 'on_hold', 'solved', 'closed']),
  priority: z.enum(['low', 'normal', 'high', 'urgent']),
  assigneeId: z.string().nullable(),
  tags: z.array(z.string()),
  /** Milliseconds since the epoch (as written: not always whole): the list's default sort key. */
  updatedAt: z.number(),
  /** Terms §4: set when access to the ticket is disabled (the title is then the words). */
  disabledReason: z.string().optional(),
});
export type FirstPageRow = z.infer<typeof FirstPageRow>;

export const FirstPageResponse = z.strictObject({
  /**
   * Newest change first (ties by id, as the list sorts), live tickets of the hot index only
   * (open, or changed within the archive window), as of the projection's last read of the
   * index (seconds behind the live document at most). Empty when nothing is projected yet.
   */
  rows: z.array(FirstPageRow),
});
export type FirstPageResponse = z.infer<typeof FirstPageResponse>;
