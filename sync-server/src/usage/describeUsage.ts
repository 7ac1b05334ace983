import {
  NEW_TICKET_INDEX_BYTES,
  NewTicketRefusal,
  UsageLimitName,
  type UsageMeter,
  type WorkspaceUsageResponse,
} from '@desk/protocol';
import { planById } from '../billing/plans.ts';
import type { UsageFigures } from './UsageStore.ts';

/**
 * A workspace's usage against each limit of its plan, from the stored figures. The plan
 * table (billing/plans.ts) is the one source of the limits; the seat limit is the
 * operator's override when there is one, as SeatLimit enforces it, and the document size
 * limit is the server's DOC_SIZE_LIMIT_BYTES when set, as DeskSyncAuth enforces it.
 *
 * New tickets: each adds a record to the index document, so a new ticket is refused up
 * front when the index has less room than one record (NEW_TICKET_INDEX_BYTES) under the
 * document-size limit — the limit the server would otherwise refuse it with.
 */
export function describeUsage(
  figures: UsageFigures,
  now: number,
  docSizeLimitOverride: number | null = null,
): WorkspaceUsageResponse {
  const plan = planById(figures.planId ?? '');
  const docSizeLimit = docSizeLimitOverride ?? plan.documentSizeLimitBytes;
  const ticketLimit = plan.ticketLimit;
  const storageUsed = figures.documentBytes + figures.attachmentBytes;
  const meters: UsageMeter[] = [
    {
      name: UsageLimitName.documentSize,
      unit: 'bytes',
      used: figures.largest?.bytes ?? 0,
      limit: docSizeLimit,
    },
    {
      name: UsageLimitName.storage,
      unit: 'bytes',
      // One quota for documents and attachments, as BlobQuota counts it for an upload.
      used: storageUsed,
      limit: plan.storageQuotaBytes,
    },
    {
      name: UsageLimitName.seats,
      unit: 'count',
      used: figures.members,
      limit: figures.seatLimitOverride ?? plan.seatLimit,
    },
    { name: UsageLimitName.tickets, unit: 'count', used: figures.ticketCount, limit: ticketLimit },
  ];
  let reason: NewTicketRefusal | null = null;
  if (figures.indexBytes + NEW_TICKET_INDEX_BYTES > docSizeLimit) {
    reason = NewTicketRefusal.indexFull;
  } else if (figures.ticketCount >= ticketLimit) {
    reason = NewTicketRefusal.ticketLimit;
  } else if (storageUsed + NEW_TICKET_INDEX_BYTES > plan.storageQuotaBytes) {
    reason = NewTicketRefusal.storageFull;
  }
  return {
    plan: { id: plan.id, name: plan.name },
    documents: {
      count: figures.documentCount,
      totalBytes: figures.documentBytes,
      largest: figures.largest,
      indexBytes: figures.indexBytes,
    },
    meters,
    newTickets: { allowed: reason === null, reason },
    at: now,
  };
}
