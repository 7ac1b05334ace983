import { describe, expect, it } from 'vitest';
import type { AsyncExportStore } from '../exports/ExportStore.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every ExportStore does, on SQLite (wrapped or on the seam) and on PostgreSQL: a job
 * queued, running, then ready (until it expires) or failed; what a restart must resume; a
 * finished job left finished by a late progress report.
 */
export function describeExportStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncExportStore>>,
): void {
  describe(`ExportStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const userId = await seedUser(fixture.db.sql, { name: 'Ana' });
      const workspaceId = await seedWorkspace(fixture.db.sql, { ownerId: userId, slug: 'acme' });
      const job = (id: string, createdAt: number) =>
        fixture.store.create({ id, workspaceId, requestedBy: userId, createdAt });
      return { ...fixture, exports: fixture.store, userId, workspaceId, job };
    };

    it('queues a job, reports its progress, and keeps it ready until it expires', async () => {
      const { exports, job, userId, workspaceId } = await setup();
      expect(await job('e1', 10)).toEqual({
        id: 'e1',
        workspaceId,
        requestedBy: userId,
        state: 'queued',
        createdAt: 10,
        finishedAt: null,
        expiresAt: null,
        done: 0,
        total: 0,
        bytes: null,
        error: null,
        zipSha256: null,
      });
      await exports.progress('e1', 3, 8);
      expect(await exports.get('e1')).toMatchObject({ state: 'running', done: 3, total: 8 });
      await exports.ready('e1', { sha256: 'c'.repeat(64), bytes: 4096 }, 20, 1000);
      expect(await exports.get('e1')).toMatchObject({
        state: 'ready',
        done: 8,
        bytes: 4096,
        zipSha256: 'c'.repeat(64),
        finishedAt: 20,
        expiresAt: 1000,
      });
      // A progress report arriving after the end changes nothing.
      await exports.progress('e1', 5, 8);
      expect((await exports.get('e1'))?.state).toBe('ready');
      expect(await exports.dueToExpire(999)).toEqual([]);
      expect((await exports.dueToExpire(1000)).map((e) => e.id)).toEqual(['e1']);
      await exports.expired('e1');
      // Expired, the row still names its zip (whose deletion the sweep just did or retries).
      expect(await exports.get('e1')).toMatchObject({
        state: 'expired',
        zipSha256: 'c'.repeat(64),
      });
      expect(await exports.get('nope')).toBeNull();
    });

    it('lists the workspace’s jobs newest first and the unfinished ones oldest first', async () => {
      const { exports, job, workspaceId } = await setup();
      await job('a', 1);
      await job('b', 2);
      await job('c', 3);
      await exports.progress('b', 1, 2);
      await exports.failed('c', 'disk full', 4);
      expect(await exports.get('c')).toMatchObject({
        state: 'failed',
        error: 'disk full',
        finishedAt: 4,
      });
      expect((await exports.ofWorkspace(workspaceId)).map((e) => e.id)).toEqual(['c', 'b', 'a']);
      expect((await exports.unfinished()).map((e) => e.id)).toEqual(['a', 'b']);
    });

    it('removes the workspace’s jobs with the zips they leave, and lists the files it uploaded', async () => {
      const { exports, job, workspaceId, userId, db } = await setup();
      await job('a', 1);
      await job('b', 2);
      await exports.ready('b', { sha256: 'd'.repeat(64), bytes: 10 }, 3, 100);
      for (const [sha, size] of [
        ['b'.repeat(64), 20],
        ['a'.repeat(64), 10],
      ] as const) {
        await db.sql.run('INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, 0)', [
          sha,
          size,
        ]);
        await db.sql.run(
          `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
           VALUES (?, ?, 'f.txt', 'text/plain', ?, ?, 5)`,
          [workspaceId, sha, size, userId],
        );
      }
      expect(await exports.workspaceBlobs(workspaceId)).toEqual([
        {
          sha256: 'a'.repeat(64),
          name: 'f.txt',
          type: 'text/plain',
          size: 10,
          uploadedBy: userId,
          uploadedAt: 5,
        },
        {
          sha256: 'b'.repeat(64),
          name: 'f.txt',
          type: 'text/plain',
          size: 20,
          uploadedBy: userId,
          uploadedAt: 5,
        },
      ]);
      const removed = await exports.deleteWorkspace(workspaceId);
      expect(removed.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'a', zipSha256: null },
        { id: 'b', zipSha256: 'd'.repeat(64) },
      ]);
      expect(await exports.ofWorkspace(workspaceId)).toEqual([]);
    });

    it('says which of a list of zips an export names, whatever its state', async () => {
      const { exports, job } = await setup();
      await job('ready', 1);
      await job('expired', 2);
      await job('queued', 3);
      await exports.ready('ready', { sha256: 'a'.repeat(64), bytes: 10 }, 4, 100);
      await exports.ready('expired', { sha256: 'b'.repeat(64), bytes: 10 }, 4, 5);
      await exports.expired('expired');
      const named = await exports.namedZips(['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)]);
      expect(named.sort()).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
      expect(await exports.namedZips([])).toEqual([]);
    });
  });
}
