import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { SearchProjector, type SearchReader } from '../search/SearchProjector.ts';
import { SqlTicketSearchIndex } from '../search/SqlTicketSearchIndex.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { engineDocs } from '../sync/SyncEngine.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { RedisJobLease } from './RedisJobLease.ts';
import { RedisLeases } from './RedisLeases.ts';

// fencedCompaction.test.ts's case for the search projection: the `search` lease's holder
// has read a ticket and is paused before its write (a long GC, a frozen VM) past the
// lease's TTL; another process takes the lease over, projects the ticket's newer text,
// and then the paused one wakes up and writes what it read. The index sees both fences.

await describeWithPostgresAndRedis(
  'the search projection under its lease, fenced by the index',
  { ownServer: false },
  () => {
    let database: TestDatabase | null = null;
    const pools: PgPool[] = [];
    const leaseSets: RedisLeases[] = [];
    const projectors: SearchProjector[] = [];
    let offThread: HeavyYjs | null = null;
    let prefix = '';
    afterEach(async () => {
      await Promise.all(projectors.splice(0).map((p) => p.stop()));
      await Promise.all(leaseSets.splice(0).map((l) => l.close()));
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await offThread?.close();
      offThread = null;
      await database?.drop();
      database = null;
      const redis = new Redis(testRedisUrl!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    /**
     * One process: its own pool, index and leases on the shared PostgreSQL and Redis, and a
     * projector whose ticket reads can be held after they read (`paused`).
     */
    const serverProcess = async (name: string) => {
      const pool = new PgPool({ url: database!.url, max: 2 });
      pools.push(pool);
      await migratePg(pool);
      const leases = new RedisLeases({ url: testRedisUrl!, prefix, holderId: name, ttlMs: 60_000 });
      leaseSets.push(leases);
      const store = new PgDocStore(pool);
      const index = new SqlTicketSearchIndex(new PgSqlDatabase(pool));
      const warnings: string[] = [];
      const state: { paused: Promise<void> | null; readBodies: string[] } = {
        paused: null,
        readBodies: [],
      };
      const heavy = (offThread ??= new HeavyYjs(createLogger('silent'), heavyWorkerCode));
      const projector = new SearchProjector({
        docs: engineDocs(await clusterDocStore(store)),
        index,
        offThread: {
          run: (async (kind: 'ticketFields', args: [Uint8Array[]], bytes: number) => {
            const result: unknown = await heavy.run(kind, args, bytes);
            if ((kind as string) === 'ticketBody') {
              state.readBodies.push(String(result));
              await state.paused;
            }
            return result;
          }) as SearchReader['run'],
        },
        log: createLogger('warn', { write: (line: string) => void warnings.push(line) }),
        changes: null,
        debounceMs: 0,
        intervalMs: 0,
        recordsEveryMs: 0,
        ticketEveryMs: 0,
        lease: { jobLease: new RedisJobLease(leases), pollMs: 20, contendMs: 20 },
      });
      projectors.push(projector);
      return { store, index, projector, state, warnings };
    };

    it('refuses the stale holder’s write of a ticket once the new holder projected it; the new text stands', async () => {
      database = await createTestDatabase();
      prefix = testKeyPrefix();
      const [a, b] = [await serverProcess('a'), await serverProcess('b')];
      const writes: Promise<unknown>[] = [];
      const docOf = (docId: string) => {
        const doc = new Y.Doc();
        doc.on('update', (update: Uint8Array) => {
          writes.push(a.store.append([{ docId, workspaceId: 'ws1', update }]));
        });
        return doc;
      };
      const ticket = new TicketDoc(docOf(docIds.ticket('ws1', 't1')));
      const index = new WorkspaceIndex(docOf(docIds.index('ws1')));
      const describe = (text: string) => {
        const p = new Y.XmlElement('paragraph');
        p.insert(0, [new Y.XmlText(text)]);
        ticket.description.delete(0, ticket.description.length);
        ticket.description.insert(0, [p]);
      };
      createTicket(
        index,
        ticket,
        { id: 't1', title: 'Monitor flickers', number: 1, requester: null, tags: [] },
        { id: 'u1', name: 'Ana' },
        1,
      );
      describe('Flickers since yesterday');
      await Promise.all(writes);

      // A takes the lease and reads the ticket, then freezes before its write.
      let wake = () => {};
      a.state.paused = new Promise<void>((resolve) => (wake = resolve));
      a.projector.start();
      await until(() => a.state.readBodies.length > 0, 'A read the ticket');
      expect(a.state.readBodies.at(-1)).toContain('yesterday');
      // Its key expires meanwhile (deleted here: the TTL is long so that no renewal runs and
      // tells A, as for a process that is not running at all).
      const redis = new Redis(testRedisUrl!);
      await redis.del(`${prefix}lease:job:search`);
      await redis.quit();

      // The ticket changes; B takes the lease over and projects it.
      describe('Flickers after the driver update');
      await Promise.all(writes);
      b.projector.start();
      await until(
        async () => (await b.index.search('ws1', 'driver', 10)).length === 1,
        'B projected the new text',
      );
      expect(b.projector.holding).toBe(true);

      // A wakes up and writes what it read: refused; it stops and gives the lease up.
      wake();
      expect(await a.projector.pass()).toBe(false); // the pass in flight, joined
      expect(await b.index.search('ws1', 'yesterday', 10)).toEqual([]);
      expect((await b.index.search('ws1', 'driver', 10)).map((hit) => hit.ticketId)).toEqual([
        't1',
      ]);
      expect(a.warnings.join('\n')).toContain('search projection fenced out');
      await until(() => !a.projector.holding, 'A gave the lease up');
      expect(b.projector.holding).toBe(true);
    });
  },
);
