import { fencedJobParts } from '../testing/fencedJobParts.ts';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { StaleFenceError } from '../store/DocStore.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { describeWithPostgresAndRedis } from '../testing/scaleOutParts.ts';

// Kleppmann's case, with the real parts: a compaction holder paused past its lease's TTL
// (a long GC, a frozen VM) wakes up believing it still holds `compact:<docId>` — its lease's
// `lost` is aborted only at its next renewal — while another process took the lease over
// with a higher fence and compacted. The store sees both fences and refuses the older one.

await describeWithPostgresAndRedis(
  'compaction under a lease, fenced by the store',
  { ownServer: false },
  () => {
    const parts = fencedJobParts();

    /** One process: its own pool and its own leases on the shared Redis. */
    const serverProcess = async (name: string) => {
      const { pool, leases } = await parts.process(name, 2);
      return { store: new PgDocStore(pool), leases };
    };

    /** What the compaction job does: read the stored rows, merge them, write the state. */
    const compact = async (store: PgDocStore, fence: { name: string; fence: number }) => {
      const stored = (await store.load('ws1:t'))!;
      const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
      await store.compact('ws1:t', Y.mergeUpdates(parts), stored.lastLogId, fence);
    };

    it('refuses the stale holder’s compaction once the new holder compacted; every update stays', async () => {
      await parts.start();
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
      await parts.expire(`${name}`);
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
