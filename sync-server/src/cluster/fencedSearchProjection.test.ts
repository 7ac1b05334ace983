import { fencedJobParts } from '../testing/fencedJobParts.ts';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { SearchProjector, type SearchReader } from '../search/SearchProjector.ts';
import { SqlTicketSearchIndex } from '../search/SqlTicketSearchIndex.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { engineDocs } from '../sync/SyncEngine.ts';
import { describeWithPostgresAndRedis } from '../testing/scaleOutParts.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { RedisJobLease } from './RedisJobLease.ts';

// fencedCompaction.test.ts's case for the search projection: the `search` lease's holder
// has read a ticket and is paused before its write (a long GC, a frozen VM) past the
// lease's TTL; another process takes the lease over, projects the ticket's newer text,
// and then the paused one wakes up and writes what it read. The index sees both fences.

await describeWithPostgresAndRedis(
  'the search projection under its lease, fenced by the index',
  { ownServer: false },
  () => {
    const parts = fencedJobParts();
    let offThread: HeavyYjs | null = null;

    /**
     * One process: its own pool, index and leases on the shared PostgreSQL and Redis, and a
     * projector whose ticket reads can be held after they read (`paused`).
     */
    const serverProcess = async (name: string) => {
      const { pool, leases } = await parts.process(name, 2);
      const store = new PgDocStore(pool);
      const index = new SqlTicketSearchIndex(new PgSqlDatabase(pool));
      const warnings: string[] = [];
      const state: { paused: Promise<void> | null; readBodies: string[] } = {
        paused: null,
        readBodies: [],
      };
      if (!offThread) {
        offThread = new HeavyYjs(createLogger('silent'), heavyWorkerCode);
        parts.onCleanup(async () => {
          await offThread?.close();
          offThread = null;
        });
      }
      const heavy = offThread;
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
      parts.onCleanup(() => projector.stop());
      return { store, index, projector, state, warnings };
    };

    it('refuses the stale holder’s write of a ticket once the new holder projected it; the new text stands', async () => {
      await parts.start();
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
      await parts.expire(`job:search`);

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
