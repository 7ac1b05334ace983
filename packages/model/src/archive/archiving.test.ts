import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TicketList } from '../query/TicketList.ts';
import { DEFAULT_QUERY } from '../query/TicketQuery.ts';
import { INDEX_SCHEMA_VERSION, WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import { ArchiveShard } from './ArchiveShard.ts';
import {
  ARCHIVE_AFTER_MS,
  archiveMonthOf,
  moveToArchive,
  planArchive,
  restoreFromArchive,
} from './archiving.ts';

const ana = { id: 'ana', name: 'Ana' };
const DAY = 24 * 60 * 60 * 1000;
const nov3 = Date.UTC(2026, 10, 3);
const now = Date.UTC(2027, 0, 20);

/** An index as version 1 wrote it: search text on every row, old solved tickets in it. */
function versionOneIndex(): Y.Doc {
  const doc = new Y.Doc();
  const index = new WorkspaceIndex(doc);
  index.tickets.create({ id: 'open', title: 'Still open', number: 1, status: 'open' }, ana, nov3);
  index.tickets.create({ id: 'old1', title: 'Solved', number: 2, status: 'solved' }, ana, nov3);
  index.tickets.create({ id: 'old2', title: 'Closed', number: 3, status: 'closed' }, ana, nov3);
  index.tickets.create({ id: 'gone', title: 'Trash', number: 4 }, ana, nov3);
  index.tickets.setDeleted('gone', true, nov3 + DAY);
  index.tickets.create({ id: 'new', title: 'Fresh', number: 5, status: 'solved' }, ana, now - DAY);
  index.tickets.create({ id: 'pend', title: 'Offline', number: null, status: 'closed' }, ana, 1);
  doc.transact(() => {
    doc.getMap<Y.Map<unknown>>('tickets').forEach((row) => row.set('searchText', 'x'.repeat(500)));
    doc.getMap('meta').set('schemaVersion', 1);
  });
  return doc;
}

/** What one device does after its first sync: migrate the index, then archive. */
function migrateDevice(indexDoc: Y.Doc, shards: Map<string, Y.Doc>): void {
  const index = new WorkspaceIndex(indexDoc);
  index.ensureSchema();
  for (const [month, records] of planArchive(index.tickets, now)) {
    const doc = shards.get(month) ?? new Y.Doc();
    shards.set(month, doc);
    moveToArchive(
      index,
      new ArchiveShard(doc, month),
      records.map((r) => r.id),
      now,
    );
  }
}

function exchange(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
}

describe('archive shards', () => {
  it('files a ticket under the UTC month of its last change', () => {
    expect(archiveMonthOf({ updatedAt: Date.UTC(2026, 10, 30, 23, 59) })).toBe('2026-11');
    expect(archiveMonthOf({ updatedAt: Date.UTC(2026, 11, 1) })).toBe('2026-12');
  });

  it('moves solved, closed and deleted tickets untouched for 30 days out of the hot index', () => {
    const index = new WorkspaceIndex(versionOneIndex());
    const plan = planArchive(index.tickets, now);
    expect([...plan.keys()]).toEqual(['2026-11']);
    expect(plan.get('2026-11')!.map((t) => t.id)).toEqual(['old1', 'old2', 'gone']);
    // Exactly at the cutoff counts; a day less does not.
    expect(planArchive(index.tickets, nov3 + DAY + ARCHIVE_AFTER_MS).get('2026-11')).toHaveLength(
      3,
    );
    expect(planArchive(index.tickets, nov3 + ARCHIVE_AFTER_MS).get('2026-11')).toHaveLength(2);

    const shard = new ArchiveShard(new Y.Doc(), '2026-11');
    expect(moveToArchive(index, shard, ['old1', 'old2', 'gone', 'open', 'new'], now)).toBe(3);
    expect(
      index.tickets
        .all()
        .map((t) => t.id)
        .sort(),
    ).toEqual(['new', 'open', 'pend']);
    expect(
      shard
        .all()
        .map((t) => t.id)
        .sort(),
    ).toEqual(['gone', 'old1', 'old2']);
    expect(shard.get('gone')).toMatchObject({ deleted: true, title: 'Trash', number: 4 });
    expect(index.archives.list()).toEqual(['2026-11']);
    // A second run finds nothing and writes nothing.
    const updates: Uint8Array[] = [];
    index.doc.on('update', (u: Uint8Array) => updates.push(u));
    shard.doc.on('update', (u: Uint8Array) => updates.push(u));
    expect(planArchive(index.tickets, now).size).toBe(0);
    expect(moveToArchive(index, shard, ['old1'], now)).toBe(0);
    expect(updates).toEqual([]);
  });

  it('converges when two offline devices migrate the same version-1 workspace at once', () => {
    const server = versionOneIndex();
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(server));
    const shardsA = new Map<string, Y.Doc>();
    const shardsB = new Map<string, Y.Doc>();

    migrateDevice(a, shardsA);
    migrateDevice(b, shardsB);
    exchange(a, b);
    const shardA = shardsA.get('2026-11')!;
    const shardB = shardsB.get('2026-11')!;
    exchange(shardA, shardB);

    // Same keys, same values, on both.
    expect(a.getMap('tickets').toJSON()).toEqual(b.getMap('tickets').toJSON());
    expect(a.getMap('archives').toJSON()).toEqual(b.getMap('archives').toJSON());
    expect(shardA.getMap('tickets').toJSON()).toEqual(shardB.getMap('tickets').toJSON());
    expect(Object.keys(shardA.getMap('tickets').toJSON()).sort()).toEqual(['gone', 'old1', 'old2']);
    const rows = a.getMap<Y.Map<unknown>>('tickets');
    expect([...rows.keys()].sort()).toEqual(['new', 'open', 'pend']);
    for (const row of rows.values()) expect(row.has('searchText')).toBe(false);
    expect(a.getMap('meta').get('schemaVersion')).toBe(INDEX_SCHEMA_VERSION);
    // Migrating again after the merge changes nothing.
    const updates: Uint8Array[] = [];
    a.on('update', (u: Uint8Array) => updates.push(u));
    migrateDevice(a, shardsA);
    expect(updates).toEqual([]);
  });

  it('lists across the hot index and loaded shards, once per ticket', () => {
    const index = new WorkspaceIndex(versionOneIndex());
    index.ensureSchema();
    const list = new TicketList(index.tickets, { ...DEFAULT_QUERY, statuses: ['closed'] }, 'ana');
    expect(list.rows.map((r) => r.id)).toEqual(['old2', 'pend']);
    const shard = new ArchiveShard(new Y.Doc(), '2026-11');
    // Mid-move (in the shard, still in the index): shown once.
    shard.put(index.tickets.get('old2')!);
    list.addSource(shard);
    expect(list.rows.map((r) => r.id)).toEqual(['old2', 'pend']);
    moveToArchive(index, shard, ['old1', 'old2', 'gone'], now);
    expect(list.rows.map((r) => r.id)).toEqual(['old2', 'pend']);
    list.setQuery({ ...DEFAULT_QUERY, deleted: true });
    expect(list.rows.map((r) => r.id)).toEqual(['gone']);
    list.destroy();
  });

  it('brings a ticket back into the hot index before it is edited', () => {
    const index = new WorkspaceIndex(versionOneIndex());
    index.ensureSchema();
    const shard = new ArchiveShard(new Y.Doc(), '2026-11');
    moveToArchive(index, shard, ['old1'], now);
    const archived = shard.get('old1')!;
    const restored = restoreFromArchive(index, shard, 'old1')!;
    expect(restored).toEqual(archived);
    expect(shard.has('old1')).toBe(false);
    index.tickets.update('old1', { status: 'open' }, now);
    expect(index.tickets.get('old1')!.status).toBe('open');
    const due = [...planArchive(index.tickets, now).values()].flat();
    expect(due.map((t) => t.id)).toEqual(['old2', 'gone']);
  });
});
