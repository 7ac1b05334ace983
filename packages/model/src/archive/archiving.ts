import * as Y from 'yjs';
import type { TicketIndex } from '../workspace/TicketIndex.ts';
import { storedTicketOf, type TicketRecord } from '../workspace/TicketRecord.ts';
import type { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import type { ArchiveShard } from './ArchiveShard.ts';

const DAY = 24 * 60 * 60 * 1000;

/** A solved, closed or deleted ticket untouched this long leaves the hot index. */
export const ARCHIVE_AFTER_MS = 30 * DAY;

/** At most this many tickets move per transaction, so one update stays small. */
export const ARCHIVE_BATCH = 500;

/**
 * The shard a ticket goes to: the UTC month of its last change, which for an archivable
 * ticket is when it was closed (or deleted). Derived from the record alone, so every device
 * picks the same shard.
 */
export function archiveMonthOf(record: Pick<TicketRecord, 'updatedAt'>): string {
  return new Date(record.updatedAt).toISOString().slice(0, 7);
}

export function isArchivable(record: TicketRecord, now: number): boolean {
  if (record.number === null) return false; // its creator still has to number it
  const done = record.deleted || record.status === 'solved' || record.status === 'closed';
  return done && now - record.updatedAt >= ARCHIVE_AFTER_MS;
}

/**
 * The tickets the hot index should hand to shards, grouped by month (oldest month first),
 * at most `limit` in all. Reads the hot index only (its size is what it bounds).
 */
export function planArchive(
  tickets: TicketIndex,
  now: number,
  limit = Number.POSITIVE_INFINITY,
): Map<string, TicketRecord[]> {
  const due = tickets.all().filter((t) => isArchivable(t, now));
  due.sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1));
  const plan = new Map<string, TicketRecord[]>();
  for (const record of due.slice(0, limit)) {
    const month = archiveMonthOf(record);
    let group = plan.get(month);
    if (!group) plan.set(month, (group = []));
    group.push(record);
  }
  return new Map([...plan].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Moves tickets from the hot index into their month's shard: the shard first, then the
 * month mark and the removal from the index, so a crash in between leaves a ticket in both
 * places (lists prefer the hot copy; the next run removes it), never in neither.
 *
 * Idempotent and deterministic: each ticket is re-read at the moment of the move, the
 * shard value is its normalised fields in a fixed order, so two devices moving the same
 * tickets at once write the same keys with the same values and converge. Returns how many
 * tickets moved.
 */
export function moveToArchive(
  index: WorkspaceIndex,
  shard: ArchiveShard,
  ids: readonly string[],
  now: number,
): number {
  const moving: TicketRecord[] = [];
  for (const id of ids) {
    const current = index.tickets.get(id);
    if (current && isArchivable(current, now) && archiveMonthOf(current) === shard.month) {
      moving.push(current);
    }
  }
  if (!moving.length) return 0;
  shard.doc.transact(() => {
    for (const record of moving) shard.put(record);
  });
  index.doc.transact(() => {
    index.archives.add(shard.month);
    for (const record of moving) index.tickets.remove(record.id);
  });
  return moving.length;
}

/**
 * Brings an archived ticket back into the hot index (before it is edited, restored from the
 * trash or reopened): the index gets its fields as a Y.Map again, the shard drops it.
 * Returns the record, or null when the shard does not hold it.
 */
export function restoreFromArchive(
  index: WorkspaceIndex,
  shard: ArchiveShard,
  id: string,
): TicketRecord | null {
  const record = shard.get(id);
  if (!record) return index.tickets.get(id);
  if (!index.tickets.get(id)) {
    index.doc.transact(() => {
      const fields = new Y.Map<unknown>();
      for (const [key, value] of Object.entries(storedTicketOf(record))) fields.set(key, value);
      index.tickets.map.set(id, fields);
    });
  }
  shard.doc.transact(() => shard.remove(id));
  return index.tickets.get(id);
}
