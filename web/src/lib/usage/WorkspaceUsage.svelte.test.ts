import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NewTicketRefusal, UsageLimitName, type WorkspaceUsageResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { usageKey } from '$lib/offline/localKeys.ts';
import { newTicketRefusal, WorkspaceUsage, WORKSPACE_FULL } from './WorkspaceUsage.svelte.ts';
import { meterWords, warningWords } from './usageWords.ts';

const MB = 1024 * 1024;

function usageWith(indexBytes: number, allowed = true): WorkspaceUsageResponse {
  return {
    plan: { id: 'trial', name: 'Trial' },
    documents: {
      count: 2,
      totalBytes: indexBytes + 100,
      largest: { docId: 'ws:index', bytes: indexBytes },
      indexBytes,
    },
    meters: [
      { name: UsageLimitName.documentSize, unit: 'bytes', used: indexBytes, limit: 5 * MB },
      { name: UsageLimitName.storage, unit: 'bytes', used: 0, limit: 1024 * MB },
      { name: UsageLimitName.seats, unit: 'count', used: 1, limit: 5 },
      { name: UsageLimitName.tickets, unit: 'count', used: 1_234, limit: null },
    ],
    newTickets: allowed
      ? { allowed: true, reason: null }
      : { allowed: false, reason: NewTicketRefusal.indexFull },
    at: 1,
  };
}

const cleanups: (() => void)[] = [];
beforeEach(() => localStorage.clear());
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  vi.useRealTimers();
});

function start(answer: () => Promise<WorkspaceUsageResponse>) {
  const usage = new WorkspaceUsage('acme', answer);
  cleanups.push(() => usage.destroy());
  usage.start('ws1');
  return usage;
}

describe('WorkspaceUsage', () => {
  it('warns from 80 % of a limit, not below', async () => {
    const under = start(() => Promise.resolve(usageWith(4 * MB - 1)));
    await until(() => under.usage !== null, 'usage');
    expect(under.warnings).toEqual([]);
    expect(under.full).toBe(false);

    const near = start(() => Promise.resolve(usageWith(4.2 * MB)));
    await until(() => near.usage !== null, 'usage');
    expect(near.warnings.map((m) => m.name)).toEqual([UsageLimitName.documentSize]);
    expect(warningWords(near.warnings)).toMatch(/close to a limit of its plan \(largest document/);
    expect(near.full).toBe(false);
  });

  it('is full when the server says a new ticket would not fit, and says so in words', async () => {
    const usage = start(() => Promise.resolve(usageWith(5 * MB, false)));
    await until(() => usage.usage !== null, 'usage');
    expect(usage.full).toBe(true);
    expect(newTicketRefusal(usage.usage)).toMatch(new RegExp(`^${WORKSPACE_FULL}`));
    expect(warningWords(usage.warnings)).toMatch(/has reached a limit/);
  });

  it('knows the workspace is full offline, from the last answer kept on this device', async () => {
    const online = start(() => Promise.resolve(usageWith(5 * MB, false)));
    await until(() => localStorage.getItem(usageKey('ws1')) !== null, 'the answer is kept');
    online.destroy();
    const offline = start(() => Promise.reject(new Error('offline')));
    expect(offline.full).toBe(true);
  });

  it('LIMIT-12 knows the storage left (documents plus attachments), for refusing uploads up front', async () => {
    const usage = start(() => Promise.resolve(usageWith(3 * MB)));
    expect(usage.storageLeft).toBeNull();
    await until(() => usage.usage !== null, 'usage');
    expect(usage.storageLeft).toBe(1024 * MB);
    const full = {
      ...usageWith(3 * MB),
      newTickets: { allowed: false as const, reason: NewTicketRefusal.storageFull },
    };
    expect(newTicketRefusal(full)).toMatch(
      new RegExp(`^${WORKSPACE_FULL}: documents and attachments use all the storage`),
    );
  });

  it('writes meters in words, with or without a limit', () => {
    const [size, , seats, tickets] = usageWith(4.2 * MB).meters;
    expect(meterWords(size!)).toBe('4.2 MB of 5.0 MB (84 %)');
    expect(meterWords(seats!)).toBe('1 of 5 (20 %)');
    expect(meterWords(tickets!)).toBe('1,234 (no limit on this plan)');
  });
});
