import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StaleFenceError } from '../store/DocStore.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { RedisLeases } from './RedisLeases.ts';

// Kleppmann's case, with the real parts: a compaction holder paused past its lease's TTL
// (a long GC, a frozen VM) wakes up believing it still holds `compact:<docId>` — its lease's
// `lost` is aborted only at its next renewal — while another process took the lease over
// with a higher fence and compacted. The store sees both fences and refuses the older one.

await describeWithPostgresAndRedis(
  'compaction under a lease, fenced by the store',
  { ownServer: false },
  () => {
    let database: TestDatabase | null = null;
    const pools: PgPool[] = [];
    const leaseSets: RedisLeases[] = [];
    let prefix = '';
    afterEach(async () => {
      await Promise.all(leaseSets.splice(0).map((l) => l.close()));
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await database?.drop();
      database = null;
      const redis = new Redis(testRedisUrl!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    /** One process: its own pool and its own leases on the shared Redis. */
    const serverProcess = async (name: string) => {
      const pool = new PgPool({ url: database!.url, max: 2 });
      pools.push(pool);
      await migratePg(pool);
      const leases = new RedisLeases({ url: testRedisUrl!, prefix, holderId: name, ttlMs: 60_000 });
      leaseSets.push(leases);
      return { store: new PgDocStore(pool), leases };
    };

    /** What the compaction job does: read the stored rows, merge them, write the state. */
    const compact = async (store: PgDocStore, fence: { name: string; fence: number }) => {
      const stored = (await store.load('ws1:t'))!;
      const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
      await store.compact('ws1:t', Y.mergeUpdates(parts), stored.lastLogId, fence);
    };

    it('refuses the stale holder’s compaction once the new holder compacted; every update stays', async () => {
      database = await createTestDatabase();
      prefix = testKeyPrefix();
      const [a, b] = [await serverProcess('a'), await serverProcess('b')];
      const doc = new Y.Doc();
      const typed: Uint8Array[] = [];
      doc.on('update', (update: Uint8Array) => typed.push(update));
      const type = async (word: string) => {
        doc.getText('t').insert(doc.getText('t').length, word);
        await a.store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: typed.at(-1)! }]);
      };
      for (const word of ['one ', 'two ', 'three ']) await type(word);

      const name = 'compact:ws1:t';
      const stale = (await a.leases.tryAcquire(name))!;
      // A freezes before its work; its key expires meanwhile (deleted here: the TTL is long so
      // that no renewal runs and tells A, as for a process that is not running at all).
      const redis = new Redis(testRedisUrl!);
      await redis.del(`${prefix}lease:${name}`);
      await redis.quit();
      const current = (await b.leases.tryAcquire(name))!;
      expect(current.fence).toBeGreaterThan(stale.fence);
      await compact(b.store, { name, fence: current.fence });
      await type('four ');

      // A wakes up and does its work: it reads the rows after B's compaction (a later row than
      // B's), so only the fence tells the store it is no longer the holder.
      expect(stale.lost.aborted).toBe(false);
      await expect(compact(a.store, { name, fence: stale.fence })).rejects.toBeInstanceOf(
        StaleFenceError,
      );

      const stored = (await b.store.load('ws1:t'))!;
      expect(stored.log).toHaveLength(1); // 'four ', after B's state: A wrote nothing
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, Y.mergeUpdates([stored.state!, ...stored.log]));
      expect(loaded.getText('t').toString()).toBe('one two three four ');
      // The holder compacts on.
      await compact(b.store, { name, fence: current.fence });
      expect((await b.store.load('ws1:t'))!.log).toHaveLength(0);
    });
  },
);
