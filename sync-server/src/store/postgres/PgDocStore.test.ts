import { afterEach, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import {
  describeWithPostgres,
  createTestDatabase,
  type TestDatabase,
} from '../../testing/scaleOutParts.ts';
import { describeAsyncDocStoreContract } from '../../testing/asyncDocStoreContract.ts';
import { PgDocStore } from './PgDocStore.ts';
import { PgPool, type PgQueryable } from './PgPool.ts';
import { migratePg, pgMigrations } from './pgMigrations.ts';
import { bigTextState } from '../../testing/docUpdates.ts';
import type { StoredDoc } from '../DocStore.ts';

/** Chunks smaller than the default, so that the contract's large docs take many slices. */
const contractChunks = { chunkBytes: 64 * 1024 };

await describeWithPostgres('PgDocStore', () => {
  describeAsyncDocStoreContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    const pools: PgPool[] = [];
    const pool = () => {
      const opened = new PgPool({ url: database.url, max: 4 });
      pools.push(opened);
      return opened;
    };
    const first = pool();
    await migratePg(first);
    const walPosition = async () => {
      const { rows } = await first.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      return rows[0]!.lsn;
    };
    return {
      store: new PgDocStore(first, Date.now, contractChunks),
      // A second process: its own pool, and it migrates too (finding nothing to do).
      another: async () => {
        const second = pool();
        await migratePg(second);
        return new PgDocStore(second, Date.now, contractChunks);
      },
      written: async (action) => {
        const before = await walPosition();
        await action();
        const after = await walPosition();
        const { rows } = await first.query<{ bytes: string }>(
          'SELECT pg_wal_lsn_diff($1, $2)::bigint AS bytes',
          [after, before],
        );
        return Number(rows[0]!.bytes);
      },
      writeSlack: 256 * 1024,
      close: async () => {
        await Promise.all(pools.map((p) => p.end()));
        await database.drop();
      },
    };
  });

  twoCompactorsCases();
  fencedCompactionCases();
  chunkedStateCases();
  oldStateFormCases();
});

/** What only a store shared by processes meets: two of them compacting one doc at once. */
function twoCompactorsCases(): void {
  let database: TestDatabase | null = null;
  const pools: PgPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await database?.drop();
    database = null;
  });

  it('drops a compaction that lands after one through a later row: the rows only the later one folded stay', async () => {
    database = await createTestDatabase();
    const open = async () => {
      const pool = new PgPool({ url: database!.url, max: 2 });
      pools.push(pool);
      await migratePg(pool);
      return new PgDocStore(pool);
    };
    const [a, b] = [await open(), await open()];
    const { updates, rows } = await typeThreeWords(a);
    // A read the first row only, B read all three; B writes first, A lands late.
    await b.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId);
    await a.compact('ws1:t', updates[0]!, rows[0]!.logId);
    const stored = (await a.load('ws1:t'))!;
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, Y.mergeUpdates([stored.state!, ...stored.log]));
    expect(loaded.getText('t').toString()).toBe('one two three ');
  });

  it('a compaction that waited for another one of the same doc sees it: the rows it folded stay folded', async () => {
    database = await createTestDatabase();
    const pool = new PgPool({ url: database.url, max: 4 });
    pools.push(pool);
    await migratePg(pool);
    const [a, b] = [new PgDocStore(pool), new PgDocStore(pool)];
    const { updates, rows } = await typeThreeWords(a);
    const waiting = async () => {
      const { rows: locks } = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_locks WHERE NOT granted',
      );
      return Number(locks[0]!.n);
    };
    // The doc's row held, two compactions queue for it: B's (through the third row) first,
    // then A's (through the first, from what A read earlier).
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM docs WHERE doc_id = 'ws1:t' FOR UPDATE");
    const later = b.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId);
    await until(async () => (await waiting()) === 1, "B's compaction waiting");
    const earlier = a.compact('ws1:t', updates[0]!, rows[0]!.logId);
    await until(async () => (await waiting()) === 2, "A's compaction waiting");
    await holder.query('COMMIT');
    await holder.end();
    await Promise.all([later, earlier]);
    const stored = (await a.load('ws1:t'))!;
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, Y.mergeUpdates([stored.state!, ...stored.log]));
    expect(loaded.getText('t').toString()).toBe('one two three ');
  });
}

/** Writes under a lease carry its fence; the store refuses one older than it has seen. */
function fencedCompactionCases(): void {
  let database: TestDatabase | null = null;
  const pools: PgPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await database?.drop();
    database = null;
  });
  const open = async () => {
    database ??= await createTestDatabase();
    const pool = new PgPool({ url: database.url, max: 2 });
    pools.push(pool);
    await migratePg(pool);
    return new PgDocStore(pool);
  };
  const text = async (store: PgDocStore) => {
    const stored = (await store.load('ws1:t'))!;
    const loaded = new Y.Doc();
    Y.applyUpdate(
      loaded,
      Y.mergeUpdates(stored.state ? [stored.state, ...stored.log] : stored.log),
    );
    return loaded.getText('t').toString();
  };

  it('refuses a compaction under an older fence than the lease’s latest: the new holder’s state stands, nothing is lost', async () => {
    const [stale, current] = [await open(), await open()];
    const { updates, rows } = await typeThreeWords(stale);
    const lease = 'compact:ws1:t';
    // The new holder (fence 8) compacted the first two rows…
    await current.compact('ws1:t', Y.mergeUpdates(updates.slice(0, 2)), rows[1]!.logId, {
      name: lease,
      fence: 8,
    });
    // …then the old one (fence 7, paused past its TTL) lands all three: through a later row,
    // which the log-id check alone would take.
    await expect(
      stale.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId, { name: lease, fence: 7 }),
    ).rejects.toMatchObject({ name: 'StaleFenceError', fence: 7, highest: 8 });
    const stored = (await stale.load('ws1:t'))!;
    expect(stored.log).toHaveLength(1);
    expect(await text(stale)).toBe('one two three ');
    // The holder writes again under its fence, a later holder under a higher one; another
    // lease's fences are its own, and a write without a lease is not fenced.
    await current.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId, {
      name: lease,
      fence: 8,
    });
    await stale.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId, {
      name: lease,
      fence: 9,
    });
    await stale.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId, {
      name: 'compact:ws1:other',
      fence: 1,
    });
    await stale.compact('ws1:t', Y.mergeUpdates(updates), rows[2]!.logId);
    expect(await text(current)).toBe('one two three ');
    // Deleting the doc (a purge) leaves no fence naming it.
    await current.deleteDocs(['ws1:t']);
    const fences = new PgPool({ url: database!.url, max: 1 });
    pools.push(fences);
    const { rows: left } = await fences.query<{ name: string }>('SELECT name FROM lease_fences');
    expect(left.map((row) => row.name)).toEqual(['compact:ws1:other']);
  });
}

/** Types 'one two three ' into ws1:t as three updates, appended through `store` in one call. */
async function typeThreeWords(store: PgDocStore) {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (const word of ['one ', 'two ', 'three ']) {
    doc.getText('t').insert(doc.getText('t').length, word);
  }
  const rows = await store.append(
    updates.map((update) => ({ docId: 'ws1:t', workspaceId: 'ws1', update })),
  );
  return { updates, rows };
}

/**
 * A pool that counts the bytea bytes each statement moves (its parameters and its result),
 * and can hold a transaction's caller after a statement (`pause`): how the tests see what
 * one round trip, and so one event-loop turn, builds or parses.
 */
class MeteredPool extends PgPool {
  /** Bytea bytes per statement, in order. */
  readonly moved: number[] = [];
  /** Awaited after each statement inside a transaction, before its caller gets the result. */
  pause: ((text: string) => Promise<void> | void) | null = null;

  override async query<Row extends pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
    options?: { readonly againOnLostConnection?: boolean },
  ): Promise<pg.QueryResult<Row>> {
    const result = await super.query<Row>(text, values, options);
    this.moved.push(byteaBytes(values) + byteaBytes(result.rows));
    return result;
  }

  override inTransaction<T>(work: (client: PgQueryable) => Promise<T>): Promise<T> {
    return super.inTransaction((client) =>
      work({
        query: async (text: string, values?: unknown[]) => {
          const result = await client.query(text, values);
          this.moved.push(byteaBytes(values) + byteaBytes(result.rows));
          await this.pause?.(text);
          return result;
        },
      } as unknown as PgQueryable),
    );
  }
}

function byteaBytes(values: unknown): number {
  if (Buffer.isBuffer(values) || values instanceof Uint8Array) return values.byteLength;
  if (Array.isArray(values)) return values.reduce((sum: number, v) => sum + byteaBytes(v), 0);
  if (typeof values === 'object' && values !== null) return byteaBytes(Object.values(values));
  return 0;
}

/** A gate a paused statement waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return {
    wait: () => (reached(), opened),
    arrived,
    open,
  };
}

const sameStored = (a: StoredDoc | null, b: StoredDoc | null) => {
  expect(a === null).toBe(b === null);
  if (!a || !b) return;
  expect(Buffer.from(a.state ?? []).equals(Buffer.from(b.state ?? []))).toBe(true);
  expect(a.log.map((u) => Buffer.from(u).toString('hex'))).toEqual(
    b.log.map((u) => Buffer.from(u).toString('hex')),
  );
  expect([a.lastLogId, a.storedBytes, a.lastSeq]).toEqual([b.lastLogId, b.storedBytes, b.lastSeq]);
};

/** The merged state in chunks (schema version 13, issue 13). */
function chunkedStateCases(): void {
  const chunkBytes = 64 * 1024;
  let database: TestDatabase | null = null;
  const pools: PgPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await database?.drop();
    database = null;
  });
  const open = async (options: { chunkBytes?: number } = { chunkBytes }) => {
    database ??= await createTestDatabase();
    const pool = new MeteredPool({ url: database.url, max: 2 });
    pools.push(pool);
    await migratePg(pool);
    return { pool, store: new PgDocStore(pool, Date.now, options) };
  };
  /** A compacted doc of `bytes` with `rows` log rows of 1 KiB after it. */
  const bigDoc = async (store: PgDocStore, bytes: number, rows = 0) => {
    const state = bigTextState(bytes);
    const [row] = await store.append([{ docId: 'ws1:big', workspaceId: 'ws1', update: state }]);
    await store.compact('ws1:big', state, row!.logId);
    const writer = new Y.Doc();
    Y.applyUpdate(writer, state);
    const pending: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => pending.push(update));
    for (let i = 0; i < rows; i++) writer.getText('t').insert(0, 'y'.repeat(1024));
    if (pending.length > 0) {
      await store.append(
        pending.map((update) => ({ docId: 'ws1:big', workspaceId: 'ws1', update })),
      );
    }
    return { state, writer, stateRow: row! };
  };
  const chunkRows = async (pool: PgPool) =>
    (
      await pool.query<{ generation: string; n: string; largest: number }>(
        `SELECT generation, COUNT(*) AS n, MAX(octet_length(data)) AS largest
         FROM doc_state_chunks GROUP BY generation`,
      )
    ).rows.map((row) => ({ ...row, n: Number(row.n) }));

  it('stores a multi-megabyte state as chunks of at most a chunk’s bytes, the current generation’s only', async () => {
    const { pool, store } = await open({});
    const { state, stateRow } = await bigDoc(store, 3 * 1024 * 1024);
    const chunks = Math.ceil(state.byteLength / (256 * 1024));
    const [first] = await chunkRows(pool);
    expect(await chunkRows(pool)).toHaveLength(1);
    expect(first).toMatchObject({ n: chunks, largest: 256 * 1024 });
    // Compacted again: a new generation replaces the old one whole.
    await store.compactInSlices('ws1:big', state, stateRow.logId);
    const [second] = await chunkRows(pool);
    expect(await chunkRows(pool)).toHaveLength(1);
    expect(second!.n).toBe(chunks);
    expect(second!.generation).not.toBe(first!.generation);
    expect(Buffer.from((await store.loadInSlices('ws1:big'))!.state!).equals(state)).toBe(true);
  });

  it('moves about one chunk per statement in a sliced load and a compaction; load moves it all in one', async () => {
    const { pool, store } = await open();
    const { state, writer } = await bigDoc(store, 1024 * 1024, 300);
    // One log row may overshoot a slice; the rows here are about a kibibyte.
    const bound = chunkBytes + 2 * 1024;
    pool.moved.length = 0;
    const sliced = (await store.loadInSlices('ws1:big'))!;
    expect(Math.max(...pool.moved)).toBeLessThanOrEqual(bound);
    expect(pool.moved.length).toBeGreaterThan(Math.ceil(state.byteLength / chunkBytes));
    sameStored(sliced, await store.load('ws1:big'));

    pool.moved.length = 0;
    const merged = Y.encodeStateAsUpdate(writer);
    await store.compactInSlices('ws1:big', merged, sliced.lastLogId);
    expect(Math.max(...pool.moved)).toBeLessThanOrEqual(chunkBytes);
    expect(pool.moved.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(merged.byteLength);

    pool.moved.length = 0;
    await store.load('ws1:big');
    expect(pool.moved).toHaveLength(1);
    expect(pool.moved[0]).toBeGreaterThanOrEqual(merged.byteLength);
  });

  it('shows readers the old whole state and its log until a compaction commits, the new one after', async () => {
    const { pool, store } = await open();
    const reader = (await open()).store;
    const { writer } = await bigDoc(store, 1024 * 1024, 3);
    const before = (await store.load('ws1:big'))!;
    writer.getText('t').insert(0, 'new ');
    const merged = Y.encodeStateAsUpdate(writer);
    // The doc's row held as an append holds it: the compaction writes all its chunks, then
    // waits for the row to switch.
    const holder = new pg.Client({ connectionString: database!.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM docs WHERE doc_id = 'ws1:big' FOR NO KEY UPDATE");
    const compaction = store.compactInSlices('ws1:big', merged, before.lastLogId);
    await until(async () => {
      const { rows } = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_locks WHERE NOT granted',
      );
      return Number(rows[0]!.n) === 1;
    }, 'the compaction waiting for the switch');
    sameStored(await reader.loadInSlices('ws1:big'), before);
    sameStored(await reader.load('ws1:big'), before);
    await holder.query('COMMIT');
    await holder.end();
    await compaction;
    const after = (await reader.loadInSlices('ws1:big'))!;
    expect(Buffer.from(after.state!).equals(Buffer.from(merged))).toBe(true);
    expect(after.log).toEqual([]);
  });

  it('finishes a sliced load begun before a compaction with the state it began with, whole', async () => {
    const { pool, store: reader } = await open();
    const { store } = await open();
    const { writer } = await bigDoc(store, 1024 * 1024, 3);
    const before = (await store.load('ws1:big'))!;
    // The reader stops after its second chunk…
    const stop = gate();
    let chunksRead = 0;
    pool.pause = (text) =>
      text.includes('doc_state_chunks') && ++chunksRead === 2 ? stop.wait() : undefined;
    const loading = reader.loadInSlices('ws1:big');
    await stop.arrived;
    // …while another process compacts (deleting the chunks it reads) and appends.
    writer.getText('t').insert(0, 'new ');
    await store.compactInSlices('ws1:big', Y.encodeStateAsUpdate(writer), before.lastLogId);
    writer.getText('t').insert(0, 'more ');
    await store.append([
      { docId: 'ws1:big', workspaceId: 'ws1', update: Y.encodeStateAsUpdate(writer) },
    ]);
    stop.open();
    sameStored(await loading, before);
  });

  it('lets appends to the doc through while a compaction writes its chunks', async () => {
    const { pool, store } = await open();
    const other = (await open()).store;
    const { writer } = await bigDoc(store, 1024 * 1024);
    const through = (await store.load('ws1:big'))!.lastLogId;
    const stop = gate();
    let chunksWritten = 0;
    pool.pause = (text) =>
      text.startsWith('INSERT INTO doc_state_chunks') && ++chunksWritten === 3
        ? stop.wait()
        : undefined;
    const compaction = store.compactInSlices('ws1:big', Y.encodeStateAsUpdate(writer), through);
    await stop.arrived;
    const pending: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => pending.push(update));
    writer.getText('t').insert(0, 'meanwhile ');
    // Resolves while the compaction's transaction is open (it would wait for its end if
    // the compaction held the doc's row).
    const [row] = await other.append([
      { docId: 'ws1:big', workspaceId: 'ws1', update: pending[0]! },
    ]);
    stop.open();
    await compaction;
    const stored = (await other.loadInSlices('ws1:big'))!;
    expect(stored.lastLogId).toBe(row!.logId);
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, Y.mergeUpdates([stored.state!, ...stored.log]));
    expect(loaded.getText('t').toString()).toBe(writer.getText('t').toString());
  });
}

/** States stored before version 13 (one bytea per doc) are split into chunks by it. */
function oldStateFormCases(): void {
  let database: TestDatabase | null = null;
  const pools: PgPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await database?.drop();
    database = null;
  });

  it('migrates a state stored whole to chunks that load, slice by slice, the same bytes', async () => {
    database = await createTestDatabase();
    const pool = new PgPool({ url: database.url, max: 2 });
    pools.push(pool);
    await migratePg(
      pool,
      pgMigrations.filter((m) => m.version <= 12),
    );
    // As version 12's store wrote them: a large compacted doc with a row after its state, a
    // small one, and one never compacted.
    const big = bigTextState(600 * 1024);
    const tail = textUpdatesAfter(big)[0]!;
    const small = bigTextState(100);
    const { rows } = await pool.query<{ r_log_id: string }>(
      'SELECT r_log_id FROM desk_append($1::text[], $2::text[], $3::bytea[], $4)',
      [
        ['ws1:big', 'ws1:big', 'ws1:small', 'ws1:log'],
        ['ws1', 'ws1', 'ws1', 'ws1'],
        [Buffer.from(big), Buffer.from(tail), Buffer.from(small), Buffer.from(small)],
        Date.now(),
      ],
    );
    const [bigRow, , smallRow] = rows.map((row) => Number(row.r_log_id));
    for (const [docId, state, through] of [
      ['ws1:big', big, bigRow],
      ['ws1:small', small, smallRow],
    ] as const) {
      await pool.query(
        'INSERT INTO doc_states (doc_id, state, bytes, through_log_id) VALUES ($1, $2, $3, $4)',
        [docId, Buffer.from(state), state.byteLength, through],
      );
      await pool.query('DELETE FROM doc_updates WHERE doc_id = $1 AND id <= $2', [docId, through]);
    }
    await pool.query(
      `UPDATE docs SET (log_count, log_bytes) = (SELECT COUNT(*), COALESCE(SUM(octet_length(data)), 0)
         FROM doc_updates u WHERE u.doc_id = docs.doc_id)`,
    );

    // Version 13 splits the states; the later ones run after it.
    expect(await migratePg(pool)).toEqual(
      pgMigrations.filter((m) => m.version > 12).map((m) => m.version),
    );
    const store = new PgDocStore(pool);
    const loaded = (await store.loadInSlices('ws1:big'))!;
    expect(Buffer.from(loaded.state!).equals(Buffer.from(big))).toBe(true);
    expect(loaded.log.map((u) => Buffer.from(u).toString('hex'))).toEqual([
      Buffer.from(tail).toString('hex'),
    ]);
    sameStored(loaded, await store.load('ws1:big'));
    expect(Buffer.from((await store.load('ws1:small'))!.state!).equals(Buffer.from(small))).toBe(
      true,
    );
    expect((await store.load('ws1:log'))!.state).toBeNull();
    const { rows: chunks } = await pool.query<{ doc_id: string; n: string }>(
      'SELECT doc_id, COUNT(*) AS n FROM doc_state_chunks GROUP BY doc_id ORDER BY doc_id',
    );
    expect(chunks.map((row) => [row.doc_id, Number(row.n)])).toEqual([
      ['ws1:big', Math.ceil(big.byteLength / (256 * 1024))],
      ['ws1:small', 1],
    ]);
    // And is compacted as any other from then on.
    await store.compactInSlices('ws1:big', Y.mergeUpdates([big, tail]), loaded.lastLogId);
    expect((await store.loadInSlices('ws1:big'))!.log).toEqual([]);
  });
}

/** One update that edits the text `state` holds. */
function textUpdatesAfter(state: Uint8Array): Uint8Array[] {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  doc.getText('t').insert(0, 'edited ');
  return updates;
}
