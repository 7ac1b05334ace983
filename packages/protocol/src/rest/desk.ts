/**
 * REST bodies of the service desk itself that are not Yjs documents: ticket number blocks,
 * attachments, and the health checks.
 */
import { z } from 'zod';

/** @default 100 — the most one request may reserve, so a client cannot burn the range. */
export const MAX_TICKET_NUMBER_BLOCK = 100;

export const ReserveTicketNumbersRequest = z.object({
  count: z.number().int().min(1).max(MAX_TICKET_NUMBER_BLOCK).optional(),
});
export type ReserveTicketNumbersRequest = z.input<typeof ReserveTicketNumbersRequest>;

/** A block of ticket numbers, `from` and `to` inclusive, unique in the workspace. */
export const TicketNumberBlock = z.strictObject({
  from: z.number().int(),
  to: z.number().int(),
});
export type TicketNumberBlock = z.infer<typeof TicketNumberBlock>;

/** An uploaded attachment; `type` is detected from the bytes, never taken from the client. */
export const StoredBlob = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int(),
  type: z.string(),
  name: z.string(),
});
export type StoredBlob = z.infer<typeof StoredBlob>;

export const DownloadQuery = z.object({ download: z.string().optional() });

export const Liveness = z.strictObject({ status: z.literal('ok') });
export type Liveness = z.infer<typeof Liveness>;

export const Readiness = z.strictObject({
  status: z.literal('ready'),
  schemaVersion: z.number().int(),
});
export type Readiness = z.infer<typeof Readiness>;

export const NotReady = z.union([
  z.strictObject({ status: z.enum(['shutting_down', 'database_unavailable']) }),
  z.strictObject({
    status: z.literal('migrations_pending'),
    version: z.number().int(),
    expected: z.number().int(),
  }),
]);
export type NotReady = z.infer<typeof NotReady>;
