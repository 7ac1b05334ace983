import { describe, expect, it } from 'vitest';
import type { TicketStatus } from '@desk/model';
import {
  KeepReason,
  keepReason,
  RECENT_MS,
  ReplicationMode,
  ticketsToKeep,
  type ReplicationPolicyInput,
  type TicketSummary,
} from './ReplicationPolicy.ts';

const NOW = Date.parse('2026-12-06T09:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const BEN = 'ben';

/** A ticket solved long ago by someone else, assigned to someone else: kept by nobody. */
function ticket(patch: Partial<TicketSummary> & { id: string }): TicketSummary {
  return {
    status: 'solved' as TicketStatus,
    assigneeId: 'ana',
    createdBy: 'ana',
    updatedAt: NOW - 90 * DAY,
    deleted: false,
    ...patch,
  };
}

const forBen: ReplicationPolicyInput = {
  mode: ReplicationMode.needed,
  userId: BEN,
  now: NOW,
  followed: new Set(['followed']),
};

describe('what a device keeps offline for its person', () => {
  it('keeps every open ticket, whoever it belongs to', () => {
    for (const status of ['new', 'open', 'pending', 'on_hold'] as TicketStatus[]) {
      expect(keepReason(ticket({ id: 't', status }), forBen)).toBe(KeepReason.open);
    }
  });

  it('leaves out a ticket solved or closed long ago that is none of the person’s business', () => {
    expect(keepReason(ticket({ id: 't', status: 'solved' }), forBen)).toBeNull();
    expect(keepReason(ticket({ id: 't', status: 'closed' }), forBen)).toBeNull();
  });

  it('keeps old done tickets assigned to the person, opened by them, or followed by them', () => {
    expect(keepReason(ticket({ id: 't', assigneeId: BEN }), forBen)).toBe(KeepReason.assigned);
    expect(keepReason(ticket({ id: 't', createdBy: BEN }), forBen)).toBe(KeepReason.created);
    expect(keepReason(ticket({ id: 'followed' }), forBen)).toBe(KeepReason.followed);
  });

  it('keeps what changed in the last 30 days, and not a moment older', () => {
    expect(keepReason(ticket({ id: 't', updatedAt: NOW - RECENT_MS }), forBen)).toBe(
      KeepReason.recent,
    );
    expect(keepReason(ticket({ id: 't', updatedAt: NOW - RECENT_MS - 1 }), forBen)).toBeNull();
    expect(
      keepReason(ticket({ id: 't', updatedAt: NOW - 2 * DAY }), { ...forBen, recentMs: DAY }),
    ).toBeNull();
  });

  it('decides per person: Ben’s old ticket is not kept on Ana’s device for that reason', () => {
    const bens = ticket({ id: 't', assigneeId: BEN, createdBy: 'carl' });
    expect(keepReason(bens, forBen)).toBe(KeepReason.assigned);
    expect(keepReason(bens, { ...forBen, userId: 'dora', followed: new Set() })).toBeNull();
  });

  it('leaves tickets in the trash to be fetched, even open ones assigned to the person', () => {
    expect(
      keepReason(ticket({ id: 't', status: 'open', assigneeId: BEN, deleted: true }), forBen),
    ).toBeNull();
  });

  it('keeps every ticket, the trash included, when the device is set to everything offline', () => {
    const everything = { ...forBen, mode: ReplicationMode.everything };
    const all = [
      ticket({ id: 'a' }),
      ticket({ id: 'b', deleted: true }),
      ticket({ id: 'c', status: 'open' }),
    ];
    expect(ticketsToKeep(all, everything)).toEqual(['a', 'b', 'c']);
    expect(ticketsToKeep(all, forBen)).toEqual(['c']);
  });
});
