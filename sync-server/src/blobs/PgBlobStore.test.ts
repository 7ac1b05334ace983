import crypto from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { describeBlobStorageContract } from '../testing/blobStorageContract.ts';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { ABANDONED_UPLOAD_MS, BLOB_CHUNK_BYTES, BlobSpace, PgBlobStore } from './PgBlobStore.ts';

const sha = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

function bytesOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 7 + (i >> 9)) % 256;
  return out;
}

/** `bytes` in upload-sized pieces (64 KiB), as a request body arrives. */
const body = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
      bytes.subarray(i * 65536, (i + 1) * 65536),
    ),
  );

await describeWithPostgres('PgBlobStore', () => {
  let database: TestDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new PgPool({ url: database.url, max: 6 });
    await migratePg(pool);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  // A space per test: every test starts with an empty storage, as S3's tests use a prefix.
  let spaces = 0;
  const store = (now?: () => number) =>
    new PgBlobStore({ pool, space: `test-${++spaces}`, ...(now ? { now } : {}) });

  describeBlobStorageContract('PostgreSQL (PgBlobStore)', () => ({
    storage: store(),
    close: () => undefined,
  }));

  const rowsOf = async (sha256: string) => {
    const { rows } = await pool.query<{ n: number; bytes: number }>(
      `SELECT k.n, octet_length(k.data) AS bytes FROM blob_chunks k
         JOIN blob_contents c ON c.upload_id = k.upload_id WHERE c.sha256 = $1 ORDER BY k.n`,
      [sha256],
    );
    return rows;
  };

  describe('PgBlobStore', () => {
    it('keeps a 25 MB upload in rows of 256 KiB, and gives back ranges across their edges', async () => {
      const storage = store();
      const bytes = bytesOf(25 * 1024 * 1024 + 123, 1);
      const stored = await storage.put(body(bytes), 26 * 1024 * 1024);
      expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
      const rows = await rowsOf(stored.sha256);
      expect(rows).toHaveLength(Math.ceil(bytes.length / BLOB_CHUNK_BYTES));
      expect(rows.slice(0, -1).every((r) => r.bytes === BLOB_CHUNK_BYTES)).toBe(true);
      expect(rows.at(-1)!.bytes).toBe(bytes.length % BLOB_CHUNK_BYTES);
      expect((await buffer(await storage.open(stored.sha256))).equals(bytes)).toBe(true);
      for (const [start, end] of [
        [BLOB_CHUNK_BYTES - 1, BLOB_CHUNK_BYTES],
        [3 * BLOB_CHUNK_BYTES + 5, 9 * BLOB_CHUNK_BYTES + 17],
        [bytes.length - 200, bytes.length - 1],
        [0, 0],
      ] as const) {
        const part = await buffer(await storage.open(stored.sha256, { start, end }));
        expect(part.equals(bytes.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
    });

    it('shows nothing of an upload until its last byte is in and it is published', async () => {
      const storage = store();
      const bytes = bytesOf(3 * BLOB_CHUNK_BYTES + 10, 2);
      const incoming = new PassThrough();
      const put = storage.put(incoming, 10 * BLOB_CHUNK_BYTES);
      const { rows: before } = await pool.query<{ n: number }>(
        'SELECT COUNT(*)::int AS n FROM blob_chunks',
      );
      incoming.write(bytes.subarray(0, 2 * BLOB_CHUNK_BYTES + 1));
      // Two chunk rows written under the pending upload…
      await until(async () => {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM blob_chunks',
        );
        return rows[0]!.n >= before[0]!.n + 2;
      }, 'two chunks written');
      // …and no address for them: neither the whole nor the part so far.
      expect(await storage.has(sha(bytes))).toBe(false);
      expect(await storage.has(sha(bytes.subarray(0, 2 * BLOB_CHUNK_BYTES)))).toBe(false);
      incoming.end(bytes.subarray(2 * BLOB_CHUNK_BYTES + 1));
      const stored = await put;
      expect(await storage.has(stored.sha256)).toBe(true);
      expect((await buffer(await storage.open(stored.sha256))).equals(bytes)).toBe(true);
    });

    it('leaves no chunk rows behind a refused upload, nor behind a second copy of stored content', async () => {
      const storage = store();
      const count = async () =>
        (await pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM blob_uploads')).rows[0]!.n;
      const bytes = bytesOf(2 * BLOB_CHUNK_BYTES, 3);
      const before = await count();
      await expect(storage.put(body(bytes), BLOB_CHUNK_BYTES)).rejects.toThrow();
      expect(await count()).toBe(before);
      await Promise.all([
        storage.put(body(bytes), 4 * BLOB_CHUNK_BYTES),
        storage.put(body(bytes), 4 * BLOB_CHUNK_BYTES),
      ]);
      expect(await count()).toBe(before + 1);
      expect(await rowsOf(sha(bytes))).toHaveLength(2);
    });

    it('keeps attachments and export zips apart: deleting equal bytes in one space leaves the other', async () => {
      const attachments = new PgBlobStore({ pool, space: BlobSpace.attachments });
      const zips = new PgBlobStore({ pool, space: BlobSpace.exports });
      const bytes = bytesOf(1000, 4);
      const a = await attachments.put(body(bytes), 10_000);
      const z = await zips.put(body(bytes), 10_000);
      expect(z).toEqual(a);
      await zips.delete(z.sha256);
      expect(await zips.has(z.sha256)).toBe(false);
      expect((await buffer(await attachments.open(a.sha256))).equals(bytes)).toBe(true);
    });

    it('sweeps an upload a dead process left behind once it is a day old, and no other', async () => {
      let now = 1_000_000_000_000;
      const storage = store(() => now);
      await pool.query('INSERT INTO blob_uploads (id, started_at) VALUES ($1, $2), ($3, $4)', [
        'dead-old',
        now - ABANDONED_UPLOAD_MS - 1,
        'dead-recent',
        now - 1000,
      ]);
      await pool.query("INSERT INTO blob_chunks (upload_id, n, data) VALUES ('dead-old', 0, 'x')");
      const kept = await storage.put(body(bytesOf(10, 5)), 100);
      const ids = async () =>
        (
          await pool.query<{ id: string }>(
            "SELECT id FROM blob_uploads WHERE id LIKE 'dead-%' ORDER BY id",
          )
        ).rows.map((r) => r.id);
      expect(await ids()).toEqual(['dead-recent']);
      // Published uploads are never abandoned, however old.
      now += 10 * ABANDONED_UPLOAD_MS;
      expect(await storage.sweepAbandoned()).toBe(1);
      expect(await ids()).toEqual([]);
      expect(await storage.has(kept.sha256)).toBe(true);
    });
  });
});
