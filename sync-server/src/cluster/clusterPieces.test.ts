import { seededRandom } from '@desk/protocol/testing';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  startRedisServer,
  testKeyPrefix,
  type RedisServerProcess,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { LaggingDocWatch } from './LaggingDocWatch.ts';
import { RedisLeases } from './RedisLeases.ts';
import { RedisUpdateBus, type ResyncReason } from './RedisUpdateBus.ts';

const docId = 'ws1:ticket:t1';

/**
 * One server process built from the scale-out pieces as the engine will use them: its own
 * pool on the shared database, its own bus and leases on the shared Redis, its replica.
 */
async function serverProcess(name: string, databaseUrl: string, redisUrl: string, prefix: string) {
  const pool = new PgPool({ url: databaseUrl, max: 3, applicationName: name });
  await migratePg(pool);
  const store = new PgDocStore(pool);
  const bus = new RedisUpdateBus({ url: redisUrl, prefix, processId: name });
  const leases = new RedisLeases({ url: redisUrl, prefix, holderId: name, ttlMs: 5000 });
  const doc = new Y.Doc();
  const resyncs: ResyncReason[] = [];
  const watch = new LaggingDocWatch(store);
  const loadFromStore = async () => {
    const stored = await store.load(docId);
    watch.loaded(docId, 'ws1', stored?.updatesStored ?? 0);
    if (stored)
      Y.applyUpdate(
        doc,
        Y.mergeUpdates([...(stored.state ? [stored.state] : []), ...stored.log]),
        'store',
      );
  };
  // Subscribe first, then load: nothing falls between the two.
  await bus.subscribe(docId, {
    update: (update, { stored }) => {
      Y.applyUpdate(doc, update, 'bus');
      watch.applied(docId, 'ws1', stored);
    },
    resync: async (reason) => {
      resyncs.push(reason);
      await loadFromStore();
    },
  });
  await loadFromStore();
  const published: Promise<void>[] = [];
  return {
    doc,
    resyncs,
    leases,
    store,
    watch,
    loadFromStore,
    /**
     * A client's edit on this process: persisted, then published (never awaited by the ack)
     * — unless the process dies in between (`publish: false`).
     */
    async edit(text: string, options: { publish: boolean } = { publish: true }) {
      let update: Uint8Array | null = null;
      const take = (u: Uint8Array) => (update = u);
      doc.once('update', take);
      const t = doc.getText('t');
      t.insert(t.length, text);
      const [stored] = await store.append([{ docId, workspaceId: 'ws1', update: update! }]);
      watch.applied(docId, 'ws1', [stored!.stored]);
      if (options.publish) {
        published.push(bus.publish(docId, update!, stored!.seq, [stored!.stored]));
      }
    },
    async settle() {
      await Promise.all(published);
    },
    async close() {
      await bus.close();
      await leases.close();
      await pool.end();
    },
  };
}

await describeWithPostgresAndRedis('scale-out pieces together', { ownServer: true }, () => {
  let database: TestDatabase | null = null;
  let redis: RedisServerProcess | null = null;
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await redis?.dispose();
    await database?.drop();
    redis = null;
    database = null;
  });

  it('two processes editing one document converge through Redis losing its data, and compact it once', async () => {
    const seed = Number(process.env.SCALE_SEED ?? Date.now() % 100_000);
    const next = seededRandom(seed).next;
    database = await createTestDatabase();
    redis = await startRedisServer({ persistent: false });
    const prefix = testKeyPrefix();
    const a = await serverProcess('a', database.url, redis.url, prefix);
    const b = await serverProcess('b', database.url, redis.url, prefix);
    closers.push(a.close, b.close);

    const rounds = 150;
    const writer = async (p: typeof a, tag: string) => {
      for (let i = 0; i < rounds; i++) {
        await p.edit(`${tag}${i} `);
        if (next() < 0.3) await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 20 + next() * 50));
      await redis!.kill();
      await new Promise((resolve) => setTimeout(resolve, 20 + next() * 50));
      await redis!.start();
    })();
    await Promise.all([writer(a, 'a'), writer(b, 'b'), outage]);
    await Promise.all([a.settle(), b.settle()]);

    // Both read Redis's data gone after the restart, and re-synced from the store.
    await expect
      .poll(() => [a.resyncs.includes('reset'), b.resyncs.includes('reset')])
      .toEqual([true, true]);
    const text = (p: typeof a) => p.doc.getText('t').toString();
    await expect.poll(() => text(a) === text(b), { message: `seed ${seed}` }).toBe(true);
    for (let i = 0; i < rounds; i++) {
      expect(text(a), `seed ${seed}`).toContain(`a${i} `);
      expect(text(a), `seed ${seed}`).toContain(`b${i} `);
    }
    expect(await a.store.workspaceSeq('ws1')).toBe(2 * rounds);
    // Neither is behind the store: the lagging-doc watch finds nothing.
    for (const p of [a, b, a, b]) expect(await p.watch.check()).toEqual([]);

    // Compaction is asked for on both processes at once: it runs on one.
    const compactions: string[] = [];
    const compact = (p: typeof a, name: string) =>
      p.leases.runOnce(`compact:${docId}`, async () => {
        compactions.push(name);
        const stored = (await p.store.load(docId))!;
        const merged = Y.mergeUpdates([...(stored.state ? [stored.state] : []), ...stored.log]);
        await p.store.compact(docId, merged, stored.lastLogId);
      });
    const outcomes = await Promise.all([compact(a, 'a'), compact(b, 'b')]);
    expect(outcomes.sort()).toEqual(['held elsewhere', 'ran']);
    expect(compactions).toHaveLength(1);
    const stored = (await b.store.load(docId))!;
    expect(stored.log).toEqual([]);
    const fromStore = new Y.Doc();
    Y.applyUpdate(fromStore, stored.state!);
    expect(fromStore.getText('t').toString()).toBe(text(a));
  });

  it('finds the update a process persisted and died before publishing, and re-syncs it', async () => {
    database = await createTestDatabase();
    redis = await startRedisServer({ persistent: true });
    const prefix = testKeyPrefix();
    const a = await serverProcess('a', database.url, redis.url, prefix);
    const b = await serverProcess('b', database.url, redis.url, prefix);
    closers.push(b.close);
    for (let i = 0; i < 5; i++) await a.edit(`${i} `);
    await a.edit('last words', { publish: false });
    await a.settle();
    await a.close();

    const text = (p: typeof a) => p.doc.getText('t').toString();
    await expect.poll(() => text(b)).toBe('0 1 2 3 4 ');
    // The watch runs on a timer in a server; here the test runs its checks.
    expect(await b.watch.check()).toEqual([]);
    expect(await b.watch.check()).toEqual([docId]);
    await b.loadFromStore();
    expect(text(b)).toBe('0 1 2 3 4 last words');
    expect(await b.watch.check()).toEqual([]);
  });
});
