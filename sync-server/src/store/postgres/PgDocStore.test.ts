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
import { PgPool } from './PgPool.ts';
import { migratePg } from './pgMigrations.ts';

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
