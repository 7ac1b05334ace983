import { fencedJobParts } from '../testing/fencedJobParts.ts';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { ErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { docIds } from '@desk/model';
import { AppError } from '../http/AppError.ts';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { engineWorkspaceReader } from '../snapshots/EngineWorkspaceReader.ts';
import { Snapshotter } from '../snapshots/Snapshotter.ts';
import { SnapshotTrigger } from '../snapshots/SnapshotStore.ts';
import { SqlRestoreRecordStore } from '../snapshots/SqlRestoreRecordStore.ts';
import { SqlSnapshotStore } from '../snapshots/SqlSnapshotStore.ts';
import type { OpenAsyncWorkspaceReader } from '../snapshots/WorkspaceReader.ts';
import { snapshotLeaseName, WorkspaceQueue } from '../snapshots/WorkspaceQueue.ts';
import { StaleFenceError } from '../store/DocStore.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { engineDocs } from '../sync/SyncEngine.ts';
import { seedUser, seedWorkspace } from '../testing/controlPlaneSeed.ts';
import { describeWithPostgresAndRedis } from '../testing/scaleOutParts.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { RedisJobLease } from './RedisJobLease.ts';

// fencedCompaction.test.ts's case for snapshot jobs: a capture under the workspace's
// `snapshots:<workspaceId>` lease has begun and is paused (a long GC, a frozen VM) while it
// reads the documents, past the lease's TTL; another process takes the workspace over and
// captures it. Then the paused one wakes up and carries on. The snapshot store sees both
// fences.

await describeWithPostgresAndRedis(
  'snapshot jobs under the workspace’s lease, fenced by the store',
  { ownServer: false },
  () => {
    const parts = fencedJobParts();
    let heavy: HeavyYjs | null = null;

    /**
     * One process: its own pool, stores and leases on the shared PostgreSQL and Redis, its
     * workspace queue, and a capture whose reads of documents can be held (`paused`).
     */
    const serverProcess = async (name: string, now: number) => {
      const { pool, leases } = await parts.process(name, 4);
      const sql = new PgSqlDatabase(pool);
      const docs = new PgDocStore(pool);
      const snapshots = new SqlSnapshotStore(sql);
      const warnings: string[] = [];
      const log = createLogger('warn', { write: (line: string) => void warnings.push(line) });
      const state: { paused: Promise<void> | null; reading: boolean } = {
        paused: null,
        reading: false,
      };
      const engineReader = engineWorkspaceReader(engineDocs(await clusterDocStore(docs)));
      const openReader: OpenAsyncWorkspaceReader = async (workspaceId) => {
        const reader = await engineReader(workspaceId);
        return {
          seq: reader.seq,
          generation: reader.generation,
          docs: reader.docs,
          load: async (docId) => {
            state.reading = true;
            await state.paused;
            return reader.load(docId);
          },
          close: () => reader.close(),
        };
      };
      if (!heavy) {
        heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode);
        parts.onCleanup(async () => {
          await heavy?.close();
          heavy = null;
        });
      }
      const snapshotter = new Snapshotter(heavy, snapshots, openReader, log, () => now);
      const queue = new WorkspaceQueue({ lease: new RedisJobLease(leases), log });
      const capture = (workspaceId: string) =>
        queue.run(workspaceId, (fence) =>
          snapshotter.capture(workspaceId, { trigger: SnapshotTrigger.manual, fence }),
        );
      const records = new SqlRestoreRecordStore(sql);
      return { sql, docs, snapshots, records, leases, state, warnings, capture };
    };

    it('refuses the stale holder’s capture once the new holder captured; the new capture stands alone', async () => {
      await parts.start();
      const a = await serverProcess('a', 1000);
      const b = await serverProcess('b', 2000);
      const ownerId = await seedUser(a.sql, { name: 'Olga' });
      const workspaceId = await seedWorkspace(a.sql, { ownerId, slug: 'acme' });
      const doc = new Y.Doc();
      doc.getText('t').insert(0, 'Monitor flickers');
      await a.docs.append([
        {
          docId: docIds.ticket(workspaceId, 't1'),
          workspaceId,
          update: Y.encodeStateAsUpdate(doc),
        },
      ]);

      // A begins a capture and freezes while it reads the documents.
      let wake = () => {};
      a.state.paused = new Promise<void>((resolve) => (wake = resolve));
      const staleCapture = a.capture(workspaceId);
      await until(() => a.state.reading, 'A is capturing');
      // Its key expires meanwhile (deleted here: the TTL is long so that no renewal runs and
      // tells A, as for a process that is not running at all).
      await parts.expire(`job:snapshots:${workspaceId}`);

      // B takes the workspace over and captures it.
      const current = await b.capture(workspaceId);
      expect(current.docCount).toBe(1);

      // A wakes up and carries on: refused at its next write, told `snapshot_busy`.
      wake();
      const refused = await staleCapture.then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe(ErrorCode.snapshotBusy);
      expect(a.warnings.join('\n')).toContain('snapshot job fenced out');
      // Only B's capture is complete: A's neither completed after it nor became the latest.
      expect((await b.snapshots.list(workspaceId)).map((s) => s.id)).toEqual([current.id]);
      expect((await b.snapshots.latest(workspaceId))?.id).toBe(current.id);
    });

    it('refuses a stale holder’s restore record and retention once the new holder wrote; its snapshot stays', async () => {
      await parts.start();
      const a = await serverProcess('a', 1000);
      const b = await serverProcess('b', 2000);
      const ownerId = await seedUser(a.sql, { name: 'Olga' });
      const workspaceId = await seedWorkspace(a.sql, { ownerId, slug: 'acme' });
      const name = snapshotLeaseName(workspaceId);
      // A holds the workspace and freezes before its work; its key expires meanwhile.
      const stale = (await a.leases.tryAcquire(`job:${name}`))!;
      await parts.expire(`job:${name}`);
      // B takes the workspace over and captures it (its fence is seen by the store).
      const current = await b.capture(workspaceId);

      // A wakes up: a restore's record (its items are recorded the same way before each
      // document it writes) and a retention's deletion of B's snapshot are both refused;
      // nothing of them is written.
      const staleFence = { name, fence: stale.fence };
      await expect(
        a.records.begin(
          {
            preRestoreSnapshotId: current.id,
            workspaceId,
            snapshotId: current.id,
            scope: 'workspace',
            restoredAt: 1000,
            restoredBy: ownerId,
          },
          staleFence,
        ),
      ).rejects.toBeInstanceOf(StaleFenceError);
      await expect(a.snapshots.delete([current.id], staleFence)).rejects.toBeInstanceOf(
        StaleFenceError,
      );
      expect(await b.records.get(current.id)).toBeNull();
      expect((await b.snapshots.list(workspaceId)).map((s) => s.id)).toEqual([current.id]);
    });
  },
);
