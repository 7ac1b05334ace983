/**
 * Workspace usage against its plan's limits (issues 15 and 17): the names and thresholds the
 * server's `GET /api/workspaces/:slug/usage` and the web app share. The body schema is
 * `WorkspaceUsageResponse` in `rest/usage.ts`.
 */

/** Share of a limit at which the app warns (a banner for everyone, the meter turns amber). */
export const USAGE_WARN_AT = 0.8;

/**
 * Bytes a new ticket adds to the index document (its record: title, requester, tags, …),
 * rounded up. When the index has less room than this under the document-size limit, the
 * server would refuse the new ticket, so the app refuses it first.
 */
export const NEW_TICKET_INDEX_BYTES = 4096;

/** The limits of a plan a workspace uses up. */
export const UsageLimitName = {
  /** The largest document against the per-document size limit (bytes). */
  documentSize: 'document_size',
  /** Stored attachments against the plan's storage quota (bytes). */
  storage: 'storage',
  /** Members against the seat limit. */
  seats: 'seats',
  /** Tickets against a ticket limit, where the plan has one. */
  tickets: 'tickets',
} as const;
export type UsageLimitName = (typeof UsageLimitName)[keyof typeof UsageLimitName];
export const USAGE_LIMIT_NAMES = Object.values(UsageLimitName) as [
  UsageLimitName,
  ...UsageLimitName[],
];

/**
 * The largest file one upload may be, in bytes (every plan): bigger is refused with 413
 * `payload_too_large`, `limit: attachment_size` (SPEC LIMIT-13). The app refuses it first.
 */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

/**
 * The plan limit a REST refusal names (`error.limit` of a 413 `payload_too_large`, on an
 * upload or an import): the usage meters' names, plus one file's size.
 */
export const RefusedLimit = {
  ...UsageLimitName,
  /** One attachment is larger than a file may be. */
  attachmentSize: 'attachment_size',
} as const;
export type RefusedLimit = (typeof RefusedLimit)[keyof typeof RefusedLimit];
export const REFUSED_LIMITS = Object.values(RefusedLimit) as [RefusedLimit, ...RefusedLimit[]];

/** Why the workspace takes no new tickets now. */
export const NewTicketRefusal = {
  /** The index document has no room for another ticket record (document-size limit). */
  indexFull: 'index_full',
  /** The plan's ticket limit is reached. */
  ticketLimit: 'ticket_limit',
  /**
   * The workspace's storage (documents plus attachments) has no room for a new ticket's
   * record (SPEC LIMIT-12: the server would refuse it with `storage_full`).
   */
  storageFull: 'storage_full',
} as const;
export type NewTicketRefusal = (typeof NewTicketRefusal)[keyof typeof NewTicketRefusal];
export const NEW_TICKET_REFUSALS = Object.values(NewTicketRefusal) as [
  NewTicketRefusal,
  ...NewTicketRefusal[],
];

/** Share of its limit a meter uses (0 for a meter without a limit). */
export function usageShare(meter: { used: number; limit: number | null }): number {
  return meter.limit === null ? 0 : meter.used / meter.limit;
}
