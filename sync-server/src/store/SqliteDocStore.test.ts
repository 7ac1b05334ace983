import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import type { Statement } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { describeDocStoreContract } from '../testing/docStoreContract.ts';
import { SqliteDocStore } from './SqliteDocStore.ts';

/** Small chunks, so that documents of many slices stay quick to build. */
const chunkBytes = 16 * 1024;

describeDocStoreContract('SQLite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-store-'));
  const file = path.join(dir, 'desk.sqlite');
  const meter = new TurnMeter();
  let db = openSqlite(file);
  migrate(db, migrations);
  const storeOn = (opened: SqliteDatabase) =>
    new SqliteDocStore(meter.instrument(opened), Date.now, { chunkBytes });
  return {
    store: storeOn(db),
    written: (action) => walFramesWrittenBy(db, action),
    sliceBytes: chunkBytes,
    largestTurn: (action) => meter.largestTurn(action),
    reopen: () => {
      db.close();
      db = openSqlite(file);
      return storeOn(db);
    },
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteDocStore chunks', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteDocStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-chunks-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = new SqliteDocStore(db, Date.now, { chunkBytes });
  });
  afterEach(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const chunkRows = () =>
    db
      .prepare('SELECT version, COUNT(*) AS n FROM doc_state_chunks GROUP BY version ORDER BY 1')
      .all();

  it('keeps only the current version’s chunks once a compaction is done, leftovers included', async () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(10 * chunkBytes));
    const state = Y.encodeStateAsUpdate(doc);
    const [row] = store.append([{ docId: 'ws1:big', workspaceId: 'ws1', update: state }]);
    store.compact('ws1:big', state, row!.logId);
    expect(chunkRows()).toEqual([{ version: 1, n: 11 }]);

    // An abandoned compaction leaves version 2's first chunks behind.
    const abandoned = store.compactInSlices('ws1:big', state, row!.logId).catch(() => 'stopped');
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
    db.close();
    expect(await abandoned).toBe('stopped');
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    store = new SqliteDocStore(db, Date.now, { chunkBytes });
    const left = chunkRows() as { version: number; n: number }[];
    expect(left[0]).toEqual({ version: 1, n: 11 });
    expect(left[1]!.version).toBe(2);

    await store.compactInSlices('ws1:big', state, row!.logId);
    expect(chunkRows()).toEqual([{ version: 3, n: 11 }]);
    expect(db.prepare('SELECT version, bytes, chunks FROM doc_states').get()).toEqual({
      version: 3,
      bytes: state.byteLength,
      chunks: 11,
    });
  });

  it('deletes the log a sliced compaction folds a slice per turn, not in its switch', async () => {
    const meter = new TurnMeter();
    store = new SqliteDocStore(meter.instrument(db), Date.now, { chunkBytes });
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(10 * chunkBytes));
    const state = Y.encodeStateAsUpdate(doc);
    // 2,000 rows of 100 bytes: about 164 make a slice.
    const rows = store.append(
      Array.from({ length: 2000 }, () => ({
        docId: 'ws1:big',
        workspaceId: 'ws1',
        update: new Uint8Array(100),
      })),
    );
    await meter.largestTurn(() => store.compactInSlices('ws1:big', state, rows.at(-1)!.logId));
    expect(meter.largestRows).toBeLessThanOrEqual(Math.ceil(chunkBytes / 100) + 2);
    // All folded rows but the last are gone (it keeps SQLite from reusing its id).
    const left = db.prepare('SELECT COUNT(*) FROM doc_updates').pluck().get();
    expect(left).toBe(1);
    expect(store.load('ws1:big')!.log).toEqual([]);
  });

  it('drops a sliced compaction that another compaction overtook, and says so', async () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(10 * chunkBytes));
    const state = Y.encodeStateAsUpdate(doc);
    const [row] = store.append([{ docId: 'ws1:big', workspaceId: 'ws1', update: state }]);
    const sliced = store.compactInSlices('ws1:big', state, row!.logId).catch((err) => err.code);
    await new Promise((resolve) => setImmediate(resolve));
    store.compact('ws1:big', state, row!.logId);
    expect(await sliced).toBe('compaction_superseded');
    expect(chunkRows()).toEqual([{ version: 2, n: 11 }]);
    expect(Buffer.from(store.load('ws1:big')!.state!).equals(Buffer.from(state))).toBe(true);
  });

  it('leaves no chunk of a doc deleted while a sliced compaction of it was running', async () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(10 * chunkBytes));
    const state = Y.encodeStateAsUpdate(doc);
    const [row] = store.append([{ docId: 'ws1:big', workspaceId: 'ws1', update: state }]);
    const sliced = store.compactInSlices('ws1:big', state, row!.logId).catch((err) => err.code);
    await new Promise((resolve) => setImmediate(resolve));
    store.deleteDocs(['ws1:big']);
    // Its chunks and state reference the doc's row (foreign keys): writing them fails.
    expect(await sliced).toBeDefined();
    expect(chunkRows()).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM doc_states').pluck().get()).toBe(0);
    expect(store.load('ws1:big')).toBeNull();
  });
});

/**
 * Pages `action` writes, counted as the frames it adds to the WAL: the WAL is emptied
 * first (TRUNCATE checkpoint; nothing else uses this connection's file), and a passive
 * checkpoint then reports the frames in it without waiting for anything.
 */
function walFramesWrittenBy(db: SqliteDatabase, action: () => void): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  action();
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return result!.log;
}

/**
 * Blob bytes the store's statements bind and get back, summed per event-loop turn: the
 * database is wrapped so that every statement it prepares is counted, whatever the store
 * does with it. A turn ends at the next setImmediate callback queued after its first
 * statement, which runs before any callback the store queues after that statement.
 */
class TurnMeter {
  #measuring = false;
  #turn = 0;
  #largest = 0;
  #turnRows = 0;
  /** Most rows inserted or deleted in one turn by the last `largestTurn`. */
  largestRows = 0;
  #turnEnds = false;

  instrument(db: SqliteDatabase): SqliteDatabase {
    return new Proxy(db, {
      get: (target, prop) => {
        if (prop === 'prepare') return (sql: string) => this.#statement(target.prepare(sql));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  async largestTurn(action: () => Promise<unknown>): Promise<number> {
    this.#measuring = true;
    this.#largest = 0;
    this.largestRows = 0;
    try {
      await action();
      await new Promise((resolve) => setImmediate(resolve));
      this.largestRows = Math.max(this.largestRows, this.#turnRows);
      return Math.max(this.#largest, this.#turn);
    } finally {
      this.#measuring = false;
    }
  }

  #count(value: unknown, rows = 0): void {
    if (!this.#measuring) return;
    const bytes = blobBytes(value);
    if (bytes === 0 && rows === 0) return;
    this.#turn += bytes;
    this.#turnRows += rows;
    if (this.#turnEnds) return;
    this.#turnEnds = true;
    setImmediate(() => {
      this.#largest = Math.max(this.#largest, this.#turn);
      this.largestRows = Math.max(this.largestRows, this.#turnRows);
      this.#turn = 0;
      this.#turnRows = 0;
      this.#turnEnds = false;
    });
  }

  #statement(statement: Statement): Statement {
    const proxy: Statement = new Proxy(statement, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (prop === 'run' || prop === 'get' || prop === 'all') {
          return (...args: unknown[]) => {
            this.#count(args);
            const result = method.apply(target, args);
            if (prop === 'run') this.#count(null, (result as { changes: number }).changes);
            else this.#count(result);
            return result;
          };
        }
        if (prop === 'iterate') {
          const count = (row: unknown) => this.#count(row);
          return function* (...args: unknown[]) {
            count(args);
            for (const row of method.apply(target, args) as Iterable<unknown>) {
              count(row);
              yield row;
            }
          };
        }
        if (prop === 'pluck' || prop === 'raw' || prop === 'expand' || prop === 'bind') {
          return (...args: unknown[]) => {
            method.apply(target, args);
            return proxy;
          };
        }
        return method.bind(target);
      },
    });
    return proxy;
  }
}

function blobBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + blobBytes(v), 0);
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((sum: number, v) => sum + blobBytes(v), 0);
  }
  return 0;
}

describe('SqliteDocStore append: a batch of many updates', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteDocStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-batch-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = new SqliteDocStore(db, () => 1_000);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives every update its own log row and the next seq of its workspace, in order; each doc row counts them all', () => {
    store.append([{ docId: 'ws1:ticket:a', workspaceId: 'ws1', update: new Uint8Array(5) }]);
    const bytes = (n: number) => new Uint8Array(n);
    const results = store.append([
      { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: bytes(10) },
      { docId: 'ws2:ticket:x', workspaceId: 'ws2', update: bytes(20) },
      { docId: 'ws1:ticket:b', workspaceId: 'ws1', update: bytes(30) },
      { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: bytes(40) },
      { docId: 'ws2:ticket:x', workspaceId: 'ws2', update: bytes(50) },
    ]);
    expect(results.map((r) => r.seq)).toEqual([2, 1, 3, 4, 2]);
    const logIds = results.map((r) => r.logId);
    expect(logIds).toEqual([...logIds].sort((a, b) => a - b));
    expect(new Set(logIds).size).toBe(5);
    expect(store.workspaceSeq('ws1')).toBe(4);
    expect(store.workspaceSeq('ws2')).toBe(2);
    const docs = db
      .prepare('SELECT doc_id, last_seq, log_count, log_bytes FROM docs ORDER BY doc_id')
      .all();
    expect(docs).toEqual([
      { doc_id: 'ws1:ticket:a', last_seq: 4, log_count: 3, log_bytes: 55 },
      { doc_id: 'ws1:ticket:b', last_seq: 3, log_count: 1, log_bytes: 30 },
      { doc_id: 'ws2:ticket:x', last_seq: 2, log_count: 2, log_bytes: 70 },
    ]);
    // The change list (catch-up, search) sees each doc once, at its last change.
    expect(store.changedSince('ws1', 1)).toEqual([
      { docId: 'ws1:ticket:b', seq: 3 },
      { docId: 'ws1:ticket:a', seq: 4 },
    ]);
    expect(store.ticketCount('ws1')).toBe(2);
    expect(store.ticketCount('ws2')).toBe(1);
  });
});
