import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { createLogger } from '../log/logger.ts';
import type { DocStore } from '../store/DocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { docOps } from '../offthread/docOps.ts';
import { DocRooms, type OffThreadCompactor } from './DocRooms.ts';
import { defaultSyncLimits } from './SyncLimits.ts';

describe('DocRooms', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteDocStore;
  let loads: number;
  let failing: boolean;
  let counting: DocStore;
  /** Calls of the synchronous load and compact, which large docs must not make. */
  let synchronous: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-rooms-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = new SqliteDocStore(db);
    loads = 0;
    failing = false;
    synchronous = [];
    // The real store, with its loads counted and optionally failing.
    counting = {
      generation: () => store.generation(),
      load: (docId) => {
        synchronous.push('load');
        loads++;
        if (failing) throw new Error('disk on fire');
        return store.load(docId);
      },
      loadInSlices: async (docId) => {
        loads++;
        if (failing) throw new Error('disk on fire');
        return store.loadInSlices(docId);
      },
      append: (updates) => store.append(updates),
      ticketCount: (workspaceId) => store.ticketCount(workspaceId),
      storedCounts: (workspaceId, docIds) => store.storedCounts(workspaceId, docIds),
      compact: (docId, state, through) => {
        synchronous.push('compact');
        store.compact(docId, state, through);
      },
      compactInSlices: (docId, state, through) => store.compactInSlices(docId, state, through),
      changedSince: (workspaceId, since) => store.changedSince(workspaceId, since),
      workspaceSeq: (workspaceId) => store.workspaceSeq(workspaceId),
      deleteWorkspace: (workspaceId) => store.deleteWorkspace(workspaceId),
      deleteDocs: (docIds) => store.deleteDocs(docIds),
      closeWorkspace: (workspaceId) => store.closeWorkspace(workspaceId),
      closeDocs: (docs) => store.closeDocs(docs),
    };
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const rooms = (limits = {}, compactOffThread: OffThreadCompactor | null = null) =>
    new DocRooms(
      counting,
      { ...defaultSyncLimits, ...limits },
      createLogger('silent'),
      Date.now,
      compactOffThread,
    );

  it('ROOM-1 shares one load between concurrent subscribers of a document', async () => {
    const registry = rooms();
    const [a, b, c] = await Promise.all([
      registry.load('ws1:index', 'ws1'),
      registry.load('ws1:index', 'ws1'),
      registry.load('ws1:index', 'ws1'),
    ]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(loads).toBe(1);
    registry.unloadAll();
  });

  it('ROOM-2 loads the merged state plus the log written since', async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 5; i++) source.getText('t').insert(i, String(i));
    const results = store.append(
      updates.map((update) => ({ docId: 'ws1:index', workspaceId: 'ws1', update })),
    );
    store.compact('ws1:index', Y.mergeUpdates(updates.slice(0, 3)), results[2]!.logId);
    const registry = rooms();
    const room = await registry.load('ws1:index', 'ws1');
    expect(room.doc!.getText('t').toString()).toBe('01234');
    expect(room.logCount).toBe(2);
    registry.unloadAll();
  });

  it('ROOM-1 rejects a failed load instead of handing out an empty document, and retries later', async () => {
    store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: textUpdate('precious') }]);
    const registry = rooms();
    failing = true;
    await expect(registry.load('ws1:index', 'ws1')).rejects.toThrow('disk on fire');
    expect(registry.get('ws1:index')).toBeUndefined();
    failing = false;
    const room = await registry.load('ws1:index', 'ws1');
    expect(room.doc!.getText('t').toString()).toBe('precious');
    registry.unloadAll();
  });

  it('drops the room of a deleted doc, and a load in flight yields no room', async () => {
    store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: textUpdate('gone') }]);
    const registry = rooms();
    const loaded = await registry.load('ws1:index', 'ws1');
    const inFlight = registry.load('ws1:other', 'ws1');
    store.deleteDocs(['ws1:index', 'ws1:other']);
    registry.drop('ws1:index');
    registry.drop('ws1:other');
    expect(loaded.unloaded).toBe(true);
    expect(registry.get('ws1:index')).toBeUndefined();
    await expect(inFlight).rejects.toThrow('deleted while loading');
    expect(registry.get('ws1:other')).toBeUndefined();
    // The next load reads what the store holds now: nothing.
    const again = await registry.load('ws1:index', 'ws1');
    expect(again.doc!.getText('t').toString()).toBe('');
    registry.unloadAll();
  });

  it('ROOM-3 unloads every idle document, so memory does not grow with documents once used', async () => {
    const registry = rooms({ docIdleMs: 1 });
    for (let i = 0; i < 200; i++) await registry.load(`ws1:ticket:t${i}`, 'ws1');
    expect(registry.size).toBe(200);
    await until(() => registry.size === 0, 'every idle document to be unloaded');
    expect(registry.size).toBe(0);
  });

  it('ROOM-4 compacts a long log into the merged state without losing anything', async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 30; i++) source.getText('t').insert(i, 'x');
    store.append(updates.map((update) => ({ docId: 'ws1:index', workspaceId: 'ws1', update })));
    const registry = rooms({ compactAfterUpdates: 10 });
    const room = await registry.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(room.logCount).toBe(0);
    const stored = store.load('ws1:index')!;
    expect(stored.log).toHaveLength(0);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, stored.state!);
    expect(reloaded.getText('t').toString()).toBe('x'.repeat(30));
    registry.unloadAll();
  });

  it('ROOM-5 compacts a large doc off the event loop from its stored rows, keeping rows written meanwhile', async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 30; i++) source.getText('t').insert(i, 'x');
    store.append(updates.map((update) => ({ docId: 'ws1:index', workspaceId: 'ws1', update })));

    // The worker is held until the test lets it answer, as a slow worker would be.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const calls: number[] = [];
    const compactor: OffThreadCompactor = async (parts) => {
      calls.push(parts.length);
      await released;
      return docOps.compactState(parts);
    };
    const registry = rooms({ compactAfterUpdates: 10, compactOffThreadBytes: 0 }, compactor);
    const room = await registry.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual([30]);

    // Written while the worker merges: stays in the log, and the room counts it.
    source.getText('t').insert(0, 'late ');
    const late = updates.at(-1)!;
    const [written] = store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: late }]);
    room.logCount++;
    room.logBytes += late.byteLength;
    room.lastLogId = written!.logId;
    registry.considerCompaction(room); // already compacting: not queued twice
    release();
    await registry.compactionsDone();

    expect(calls).toEqual([30]);
    expect(room.logCount).toBe(1);
    const stored = store.load('ws1:index')!;
    expect(stored.log).toHaveLength(1);
    expect(room.storedBytes).toBe(stored.storedBytes);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, stored.state!);
    for (const update of stored.log) Y.applyUpdate(reloaded, update);
    expect(reloaded.getText('t').toString()).toBe(`late ${'x'.repeat(30)}`);
    registry.unloadAll();
  });

  it('ROOM-5 reads and writes a worker-compacted doc in slices, and shutdown waits for all of it', async () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 30; i++) source.getText('t').insert(i, 'x');
    const rows = store.append(
      updates.map((update) => ({ docId: 'ws1:index', workspaceId: 'ws1', update })),
    );
    // A merged state already, whose chunks the compaction must delete once replaced.
    store.compact('ws1:index', Y.mergeUpdates(updates.slice(0, 5)), rows[4]!.logId);
    const registry = rooms({ compactAfterUpdates: 10, compactOffThreadBytes: 0 }, async (parts) =>
      docOps.compactState(parts),
    );
    await registry.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    await registry.compactionsDone();

    expect(synchronous).toEqual([]);
    expect(store.load('ws1:index')!.log).toHaveLength(0);
    // The sliced compaction had ended, leftovers deleted, when compactionsDone resolved.
    const versions = db.prepare('SELECT DISTINCT version FROM doc_state_chunks').pluck().all();
    expect(versions).toEqual([2]);
    expect(db.prepare('SELECT version FROM doc_states').pluck().get()).toBe(2);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, store.load('ws1:index')!.state!);
    expect(reloaded.getText('t').toString()).toBe('x'.repeat(30));
    registry.unloadAll();
  });

  it('ROOM-5 keeps the log when an off-thread compaction fails', async () => {
    store.append(
      Array.from({ length: 12 }, (_, i) => ({
        docId: 'ws1:index',
        workspaceId: 'ws1',
        update: textUpdate(`u${i}`),
      })),
    );
    const registry = rooms({ compactAfterUpdates: 10, compactOffThreadBytes: 0 }, () =>
      Promise.reject(new Error('worker gone')),
    );
    const room = await registry.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    await registry.compactionsDone();
    expect(store.load('ws1:index')!.log).toHaveLength(12);
    expect(room.logCount).toBe(12);
    registry.unloadAll();
  });
});

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}
