import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { LaggingDocWatch } from './LaggingDocWatch.ts';

const update = new Uint8Array([0, 0]); // an empty Yjs update: the watch reads counts only

await describeWithPostgres('LaggingDocWatch', () => {
  let database: TestDatabase;
  let pool: PgPool;
  let store: PgDocStore;
  let watch: LaggingDocWatch;

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = new PgPool({ url: database.url, max: 2 });
    await migratePg(pool);
    store = new PgDocStore(pool);
    watch = new LaggingDocWatch(store);
  });
  afterEach(async () => {
    await pool.end();
    await database.drop();
  });

  /** Some process stores an update of the doc; its number among the doc's stored updates. */
  const stored = async (docId: string, workspaceId = 'ws1') =>
    (await store.append([{ docId, workspaceId, update }]))[0]!.stored!;

  /** The doc is loaded here: what the store held at that moment. */
  const load = async (docId: string, workspaceId = 'ws1') =>
    watch.loaded(docId, workspaceId, (await store.load(docId))?.updatesStored ?? 0);

  it('finds nothing while this process has applied every stored update', async () => {
    await load('ws1:a');
    const n = await stored('ws1:a');
    watch.applied('ws1:a', 'ws1', [n]); // its stream entry arrived
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
  });

  it('gives an update whose stream entry is still on its way one check to arrive', async () => {
    await load('ws1:a');
    const n = await stored('ws1:a');
    expect(await watch.check()).toEqual([]);
    watch.applied('ws1:a', 'ws1', [n]);
    expect(await watch.check()).toEqual([]);
  });

  it('names a doc the store stayed ahead of for two checks (its publisher died before publishing), once', async () => {
    await load('ws1:a');
    await load('ws1:b');
    await stored('ws1:a'); // persisted, never published
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual(['ws1:a']);
    // The re-sync loads it and reports what it holds.
    await load('ws1:a');
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
  });

  it('names a doc that misses an update even when this process wrote the doc after it (the blind spot of comparing sequences)', async () => {
    await load('ws1:a');
    await stored('ws1:a'); // another process's, never published
    const mine = await stored('ws1:a'); // this process's own, later
    watch.applied('ws1:a', 'ws1', [mine]);
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual(['ws1:a']);
  });

  it('takes updates applied out of order, and twice (in a load and on the stream), as applied once each', async () => {
    await load('ws1:a');
    const [one, two, three] = [await stored('ws1:a'), await stored('ws1:a'), await stored('ws1:a')];
    watch.applied('ws1:a', 'ws1', [three]);
    watch.applied('ws1:a', 'ws1', [one, two]);
    watch.applied('ws1:a', 'ws1', [two]);
    await load('ws1:a'); // a load that includes all three
    watch.applied('ws1:a', 'ws1', [three]); // and the stream entry of one of them, late
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
    const four = await stored('ws1:a');
    watch.applied('ws1:a', 'ws1', [four]);
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
  });

  it('keeps watching a doc whose store moves on while its entries keep arriving', async () => {
    await load('ws1:a');
    for (let i = 0; i < 5; i++) {
      const n = await stored('ws1:a');
      expect(await watch.check()).toEqual([]);
      watch.applied('ws1:a', 'ws1', [n]);
    }
    expect(await watch.check()).toEqual([]);
  });

  it('compares with a count that compaction does not lower', async () => {
    await load('ws1:a');
    const applied = [await stored('ws1:a'), await stored('ws1:a')];
    watch.applied('ws1:a', 'ws1', applied);
    const doc = (await store.load('ws1:a'))!;
    await store.compact('ws1:a', update, doc.lastLogId);
    await stored('ws1:a'); // never published
    expect((await store.load('ws1:a'))!.updatesStored).toBe(3);
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual(['ws1:a']);
  });

  it('watches only the docs open here, in each of their workspaces', async () => {
    await load('ws1:a');
    await load('ws2:a', 'ws2');
    await stored('ws1:closed');
    await stored('ws2:a', 'ws2');
    await stored('ws1:a');
    await watch.check();
    expect((await watch.check()).sort()).toEqual(['ws1:a', 'ws2:a']);
    watch.forget('ws2:a');
    await stored('ws2:a', 'ws2');
    await watch.check();
    expect(await watch.check()).toEqual(['ws1:a']);
  });
});
