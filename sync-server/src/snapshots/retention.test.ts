import { describe, expect, it } from 'vitest';
import { expiredSnapshots } from './retention.ts';
import type { SnapshotRecord, SnapshotTrigger } from './SnapshotStore.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const now = Date.parse('2026-11-27T12:30:00Z');

function snapshot(
  id: string,
  createdAt: number,
  trigger: SnapshotTrigger = 'schedule',
): SnapshotRecord {
  return {
    id,
    workspaceId: 'w',
    createdAt,
    seq: 1,
    storeGeneration: 'g',
    trigger,
    authorUserId: null,
    authorName: null,
    label: null,
    restoreOf: null,
    restoreScope: null,
    restoreRecorded: false,
    restoreUndoneAt: null,
    docCount: 1,
    totalBytes: 1,
    addedBytes: 1,
  };
}

describe('expiredSnapshots', () => {
  it('keeps the 48 newest hourly snapshots and one per day for the plan days', () => {
    // Hourly for 10 days.
    const all = Array.from({ length: 240 }, (_, i) => snapshot(`h${i}`, now - i * HOUR));
    const expired = new Set(expiredSnapshots(all, now, { hourly: 48, days: 7 }));
    const kept = all.filter((s) => !expired.has(s.id));

    for (let i = 0; i < 48; i += 1) expect(expired.has(`h${i}`)).toBe(false);
    const olderKept = kept.filter((s) => now - s.createdAt >= 48 * HOUR);
    const days = olderKept.map((s) => new Date(s.createdAt).toISOString().slice(0, 10));
    expect(new Set(days).size).toBe(days.length); // one per day
    expect(olderKept.every((s) => now - s.createdAt < 7 * DAY)).toBe(true);
    // Each kept daily is the newest of its day.
    for (const s of olderKept) {
      const sameDay = all.filter(
        (o) => Math.floor(o.createdAt / DAY) === Math.floor(s.createdAt / DAY),
      );
      expect(Math.max(...sameDay.map((o) => o.createdAt))).toBe(s.createdAt);
    }
  });

  it('keeps manual and pre-restore snapshots for the plan days, then lets them go', () => {
    const all = [
      snapshot('new', now - HOUR),
      snapshot('manual-recent', now - 3 * DAY, 'manual'),
      snapshot('undo-recent', now - 6 * DAY, 'pre_restore'),
      snapshot('manual-old', now - 8 * DAY, 'manual'),
      snapshot('undo-old', now - 9 * DAY, 'pre_restore'),
    ];
    expect(expiredSnapshots(all, now, { hourly: 48, days: 7 }).sort()).toEqual([
      'manual-old',
      'undo-old',
    ]);
  });

  it('always keeps the newest snapshot, however old', () => {
    const all = [snapshot('only', now - 400 * DAY), snapshot('older', now - 500 * DAY)];
    expect(expiredSnapshots(all, now, { hourly: 0, days: 7 })).toEqual(['older']);
  });

  it('deletes nothing while everything is within the hourly window', () => {
    const all = Array.from({ length: 10 }, (_, i) => snapshot(`s${i}`, now - i * HOUR));
    expect(expiredSnapshots(all, now, { hourly: 48, days: 1 })).toEqual([]);
  });
});
