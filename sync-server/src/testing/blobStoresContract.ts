import { describe, expect, it } from 'vitest';
import type { AsyncBlobCatalog } from '../blobs/BlobCatalog.ts';
import type { AsyncBlobQuota } from '../blobs/BlobQuota.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/** The stores of one process an upload goes through. */
export interface BlobStores {
  readonly quota: AsyncBlobQuota;
  readonly catalog: AsyncBlobCatalog;
}

const QUOTA = 1000;
const MAX_FILE = 600;
const hour = 60 * 60 * 1000;
const sha = (c: string) => c.repeat(64);

/**
 * A document's stored weight as each engine's document store writes it: the log's bytes on
 * its `docs` row, the merged state's in `doc_states` (whose columns differ: SQLite names the
 * current chunks by `version`, PostgreSQL by `generation`). What is specified is that the quota's counter
 * follows every such write, kept by the schema's triggers.
 */
function documents(sql: SqlDatabase, workspaceId: string) {
  const postgres = sql.dialect.name === 'postgres';
  return {
    append: (docId: string, bytes: number) =>
      sql.run(
        `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
         VALUES (?, ?, 1, 1, ?, 0)
         ON CONFLICT (doc_id) DO UPDATE SET log_count = docs.log_count + 1,
           log_bytes = docs.log_bytes + excluded.log_bytes`,
        [`${workspaceId}:${docId}`, workspaceId, bytes],
      ),
    /** The log folded into a state of `bytes`. */
    compact: async (docId: string, bytes: number) => {
      const id = `${workspaceId}:${docId}`;
      await sql.run(
        postgres
          ? `INSERT INTO doc_states (doc_id, generation, bytes, chunks, through_log_id) VALUES (?, 1, ?, 1, 1)
             ON CONFLICT (doc_id) DO UPDATE SET bytes = excluded.bytes`
          : `INSERT INTO doc_states (doc_id, version, bytes, chunks, through_log_id) VALUES (?, 1, ?, 1, 1)
             ON CONFLICT (doc_id) DO UPDATE SET bytes = excluded.bytes`,
        [id, bytes],
      );
      await sql.run('UPDATE docs SET log_count = 0, log_bytes = 0 WHERE doc_id = ?', [id]);
    },
    /** As each engine's store deletes a doc: SQLite its state first, PostgreSQL by cascade. */
    remove: async (docId: string) => {
      const id = `${workspaceId}:${docId}`;
      if (!postgres) await sql.run('DELETE FROM doc_states WHERE doc_id = ?', [id]);
      await sql.run('DELETE FROM docs WHERE doc_id = ?', [id]);
    },
  };
}

/**
 * The storage quota and the blob catalog, on SQLite (wrapped or on the seam) and on
 * PostgreSQL: reservations against documents plus files plus uploads in flight, the upload
 * recorded with its reservation dropped in one transaction, and uploads racing from two
 * processes never passing the quota together.
 */
export function describeBlobStoresContract(
  engine: string,
  open: () => Promise<StoreFixture<BlobStores>>,
): void {
  describe(`BlobQuota and BlobCatalog on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const { quota, catalog } = fixture.store;
      const sql = fixture.db.sql;
      const userId = await seedUser(sql, { name: 'Ana' });
      const workspaceId = await seedWorkspace(sql, { ownerId: userId, slug: 'acme' });
      const upload = (sha256: string, size: number, workspace = workspaceId) => ({
        workspaceId: workspace,
        sha256,
        size,
        name: 'notes.txt',
        type: 'text/plain',
        uploadedBy: userId,
        at: fixture.clock.now,
      });
      const store = async (sha256: string, size: number) => {
        const reservation = await quota.reserve(workspaceId, QUOTA, MAX_FILE, size);
        if (!reservation.ok) throw new Error(reservation.reason);
        await quota.commit(reservation.id, () => catalog.recordUpload(upload(sha256, size)));
      };
      const docs = documents(sql, workspaceId);
      return { ...fixture, quota, catalog, userId, workspaceId, upload, store, docs };
    };

    it('reserves a declared size while it fits, counting other reservations as used', async () => {
      const { quota, workspaceId } = await setup();
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, 400)).toMatchObject({
        ok: true,
        bytes: 400,
      });
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, 400)).toMatchObject({ ok: true });
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, 201)).toEqual({
        ok: false,
        reason: 'does_not_fit',
      });
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, 200)).toMatchObject({ ok: true });
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, 1)).toEqual({
        ok: false,
        reason: 'storage_used_up',
      });
      expect(await quota.used(workspaceId)).toBe(1000);
    });

    it('reserves what is left, at most a file, when the size is not declared', async () => {
      const { quota, workspaceId, store } = await setup();
      await store(sha('a'), 500);
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, null)).toMatchObject({
        ok: true,
        bytes: 500,
      });
      expect(await quota.reserve(workspaceId, QUOTA, MAX_FILE, null)).toEqual({
        ok: false,
        reason: 'storage_used_up',
      });
      expect(await quota.reserve(workspaceId, 10_000, MAX_FILE, null)).toMatchObject({
        bytes: MAX_FILE,
      });
    });

    it('records an upload and drops its reservation together: the file counts once', async () => {
      const { quota, catalog, workspaceId, store, upload } = await setup();
      await store(sha('a'), 300);
      expect(await quota.used(workspaceId)).toBe(300);
      expect(await catalog.use(workspaceId, sha('a'))).toEqual({
        name: 'notes.txt',
        type: 'text/plain',
        size: 300,
      });
      expect(await catalog.use(workspaceId, sha('b'))).toBeUndefined();
      // Recording the same upload again changes nothing.
      await catalog.recordUpload(upload(sha('a'), 300));
      expect(await quota.used(workspaceId)).toBe(300);
    });

    it('releases the reservation of an upload whose rows could not be recorded', async () => {
      const { quota, workspaceId } = await setup();
      const reservation = await quota.reserve(workspaceId, QUOTA, MAX_FILE, 400);
      if (!reservation.ok) throw new Error(reservation.reason);
      await expect(
        quota.commit(reservation.id, () => {
          throw new Error('disk full');
        }),
      ).rejects.toThrow('disk full');
      expect(await quota.used(workspaceId)).toBe(0);
      const released = await quota.reserve(workspaceId, QUOTA, MAX_FILE, 500);
      if (!released.ok) throw new Error(released.reason);
      await quota.release(released.id);
      expect(await quota.used(workspaceId)).toBe(0);
    });

    it('counts the documents’ stored bytes through appends, compaction and deletion', async () => {
      const { quota, workspaceId, store, docs, db } = await setup();
      await store(sha('a'), 100);
      await docs.append('ticket:a', 40);
      await docs.append('ticket:a', 60);
      await docs.append('ticket:b', 30);
      expect(await quota.used(workspaceId)).toBe(100 + 130);
      await docs.compact('ticket:a', 70);
      expect(await quota.used(workspaceId)).toBe(100 + 70 + 30);
      await docs.append('ticket:a', 5);
      await docs.compact('ticket:a', 72);
      expect(await quota.used(workspaceId)).toBe(100 + 72 + 30);
      await docs.remove('ticket:a');
      await docs.remove('ticket:b');
      expect(await quota.used(workspaceId)).toBe(100);
      // Another workspace's documents are its own.
      const other = await seedWorkspace(db.sql, {
        ownerId: await seedUser(db.sql, { name: 'Ben' }),
        slug: 'other',
      });
      await documents(db.sql, other).append('ticket:x', 999);
      expect(await quota.used(workspaceId)).toBe(100);
    });

    it('no longer counts an upload in flight on a process that is gone, an hour on', async () => {
      const { quota, workspaceId, clock, another } = await setup();
      await quota.reserve(workspaceId, QUOTA, MAX_FILE, 600);
      clock.now += hour + 1;
      const restarted = await another();
      expect(await restarted.quota.reserve(workspaceId, QUOTA, MAX_FILE, 600)).toMatchObject({
        ok: true,
      });
      expect(await restarted.quota.used(workspaceId)).toBe(600);
    });

    it('never lets uploads racing on two processes pass the quota together', async () => {
      const { quota, workspaceId, another } = await setup();
      const other = (await another()).quota;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? quota : other).reserve(workspaceId, QUOTA, MAX_FILE, 300),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(await quota.used(workspaceId)).toBe(900);
    });
  });
}
