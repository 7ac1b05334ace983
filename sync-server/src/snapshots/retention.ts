import type { SnapshotRecord } from './SnapshotStore.ts';

export interface RetentionPolicy {
  /** Newest scheduled snapshots kept whatever their age ("48 hourly"). */
  readonly hourly: number;
  /** Days for which one scheduled snapshot per UTC day is kept, and manual and pre-restore
   *  snapshots are kept at all (the plan's `snapshotRetentionDays`). */
  readonly days: number;
}

/** Snapshots kept per plan: the 48 newest scheduled ones, plus the plan's days as dailies. */
export const HOURLY_SNAPSHOTS_KEPT = 48;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Which snapshots retention deletes, as a pure function of the list and the clock:
 * - the newest snapshot is always kept (a quiet workspace keeps its last state forever);
 * - scheduled: the `hourly` newest are kept; older ones only as the newest scheduled
 *   snapshot of their UTC day, while younger than `days` days;
 * - manual and pre-restore: kept while younger than `days` days (an undo point lasts as
 *   long as the plan's retention).
 */
export function expiredSnapshots(
  snapshots: readonly SnapshotRecord[],
  now: number,
  policy: RetentionPolicy,
): string[] {
  const newestFirst = [...snapshots].sort((a, b) => b.createdAt - a.createdAt);
  const keep = new Set<string>();
  if (newestFirst[0]) keep.add(newestFirst[0].id);
  const cutoff = now - policy.days * DAY_MS;
  const daysSeen = new Set<number>();
  let scheduledSeen = 0;
  for (const snapshot of newestFirst) {
    if (snapshot.trigger === 'schedule') {
      scheduledSeen += 1;
      const day = Math.floor(snapshot.createdAt / DAY_MS);
      const firstOfDay = !daysSeen.has(day);
      daysSeen.add(day);
      if (scheduledSeen <= policy.hourly) keep.add(snapshot.id);
      else if (firstOfDay && snapshot.createdAt > cutoff) keep.add(snapshot.id);
    } else if (snapshot.createdAt > cutoff) {
      keep.add(snapshot.id);
    }
  }
  return newestFirst.filter((s) => !keep.has(s.id)).map((s) => s.id);
}
