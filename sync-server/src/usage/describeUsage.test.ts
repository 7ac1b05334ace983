import { describe, expect, it } from 'vitest';
import { NEW_TICKET_INDEX_BYTES, NewTicketRefusal, UsageLimitName } from '@desk/protocol';
import { plans } from '../billing/plans.ts';
import { describeUsage } from './describeUsage.ts';
import type { UsageFigures } from './UsageStore.ts';

const figures: UsageFigures = {
  planId: 'team',
  seatLimitOverride: null,
  documentCount: 3,
  documentBytes: 3_000,
  largest: { docId: 'ws:index', bytes: 2_000 },
  indexBytes: 2_000,
  ticketCount: 2,
  attachmentBytes: 10,
  members: 4,
};

describe('describeUsage', () => {
  it('reads every limit from the plan table', () => {
    const usage = describeUsage(figures, 7);
    expect(usage.plan).toEqual({ id: 'team', name: plans.team.name });
    expect(usage.meters).toEqual([
      {
        name: UsageLimitName.documentSize,
        unit: 'bytes',
        used: 2_000,
        limit: plans.team.documentSizeLimitBytes,
      },
      {
        name: UsageLimitName.storage,
        unit: 'bytes',
        used: 3_010, // documents and attachments: one quota
        limit: plans.team.storageQuotaBytes,
      },
      { name: UsageLimitName.seats, unit: 'count', used: 4, limit: plans.team.seatLimit },
      { name: UsageLimitName.tickets, unit: 'count', used: 2, limit: plans.team.ticketLimit },
    ]);
    expect(usage.at).toBe(7);
  });

  it('uses the operator’s seat limit and the server’s document size limit where they are set', () => {
    const limit = 2_000 + NEW_TICKET_INDEX_BYTES;
    const usage = describeUsage({ ...figures, seatLimitOverride: 3 }, 0, limit);
    expect(usage.meters.find((m) => m.name === UsageLimitName.seats)?.limit).toBe(3);
    expect(usage.meters.find((m) => m.name === UsageLimitName.documentSize)?.limit).toBe(limit);
    expect(usage.newTickets.allowed).toBe(true);
    expect(describeUsage(figures, 0, limit - 1).newTickets).toEqual({
      allowed: false,
      reason: NewTicketRefusal.indexFull,
    });
  });

  it('LIMIT-7 allows new tickets just under the plan’s ticket limit and refuses them at and over it', () => {
    const limit = plans.team.ticketLimit;
    expect(describeUsage({ ...figures, ticketCount: limit - 1 }, 0).newTickets).toEqual({
      allowed: true,
      reason: null,
    });
    for (const ticketCount of [limit, limit + 1]) {
      expect(describeUsage({ ...figures, ticketCount }, 0).newTickets).toEqual({
        allowed: false,
        reason: NewTicketRefusal.ticketLimit,
      });
    }
  });

  it('LIMIT-12 refuses new tickets up front when the storage (documents plus attachments) has no room for one', () => {
    const quota = plans.team.storageQuotaBytes;
    const room = (left: number) => ({
      ...figures,
      documentBytes: quota - figures.attachmentBytes - left,
    });
    expect(describeUsage(room(NEW_TICKET_INDEX_BYTES), 0).newTickets).toEqual({
      allowed: true,
      reason: null,
    });
    expect(describeUsage(room(NEW_TICKET_INDEX_BYTES - 1), 0).newTickets).toEqual({
      allowed: false,
      reason: NewTicketRefusal.storageFull,
    });
  });

  it('falls back to the trial plan for a workspace without a known plan', () => {
    expect(describeUsage({ ...figures, planId: null }, 0).plan.id).toBe('trial');
  });
});
