import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { PgPool } from '../store/postgres/PgPool.ts';
import {
  BlobMissingError,
  BlobTooLargeError,
  StorageFullError,
  type BlobStorage,
  type InspectUpload,
  type StoredBlob,
} from './BlobStorage.ts';
import type { ByteRange } from './byteRange.ts';
import { TYPE_SAMPLE_BYTES } from './contentType.ts';

/**
 * Bytes per `blob_chunks` row. @default 256 KiB — a 25 MB attachment is ~100 rows, each
 * written as it arrives (never one giant statement), and a byte range (a video seek) reads
 * at most two rows more than the bytes it asks for.
 */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** Rows `open` reads per statement: 1 MiB, few round trips, little memory per reader. */
const CHUNKS_PER_READ = 4;

/**
 * How old an upload nothing points at must be before it is swept as abandoned (its process
 * died mid-upload). @default 1 day — far longer than any upload takes, so an upload in
 * progress on another process is never swept from under it.
 */
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

/** How often a process looks for abandoned uploads (at its next put). @default 1 hour */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** The spaces one cluster keeps apart: attachments, and export zips (blobStorageFor). */
export const BlobSpace = { attachments: 'attachments', exports: 'exports' } as const;

export interface PgBlobStoreOptions {
  readonly pool: PgPool;
  /**
   * Which blobs these are (`BlobSpace`): one space's delete never removes another's bytes,
   * even when the contents are equal (an export zip uploaded again as an attachment).
   */
  readonly space: string;
  readonly now?: () => number;
}

/** 53100 disk_full: PostgreSQL's disk has no room; nothing of the statement was written. */
function isDiskFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '53100';
}

/**
 * BlobStorage on PostgreSQL (pgBlobsSchema.ts, schema version 11): what every process of a
 * cluster reads and writes, so an attachment uploaded on one process is served by all.
 * Content-addressed like the others: the same bytes put twice (or at once) are kept once.
 *
 * A put streams the body into chunk rows under a fresh upload id while hashing it, then
 * publishes the upload under its SHA-256 in one statement; until then nothing points at the
 * chunks, so no reader sees a partial blob. Any failure — too large, refused by `inspect`,
 * the body broken — deletes the upload and its chunks; a process that died mid-upload
 * leaves an upload that the next put of a day later sweeps.
 */
export class PgBlobStore implements BlobStorage {
  readonly #pool: PgPool;
  readonly #space: string;
  readonly #now: () => number;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(options: PgBlobStoreOptions) {
    this.#pool = options.pool;
    this.#space = options.space;
    this.#now = options.now ?? Date.now;
  }

  async put(body: Readable, maxBytes: number, inspect?: InspectUpload): Promise<StoredBlob> {
    if (this.#now() - this.#sweptAt >= SWEEP_EVERY_MS) await this.sweepAbandoned();
    const uploadId = crypto.randomUUID();
    await this.#pool.query('INSERT INTO blob_uploads (id, started_at) VALUES ($1, $2)', [
      uploadId,
      this.#now(),
    ]);
    try {
      const hash = crypto.createHash('sha256');
      const sample: Buffer[] = [];
      let sampled = 0;
      let size = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let n = 0;
      const write = async (chunk: Buffer) => {
        await this.#pool.query('INSERT INTO blob_chunks (upload_id, n, data) VALUES ($1, $2, $3)', [
          uploadId,
          n++,
          chunk,
        ]);
      };
      /** Writes whole chunks of what arrived; with `last`, the remainder too. */
      const flush = async (last: boolean) => {
        if (pendingBytes < BLOB_CHUNK_BYTES && !(last && pendingBytes > 0)) return;
        let joined = Buffer.concat(pending, pendingBytes);
        while (joined.length >= BLOB_CHUNK_BYTES) {
          await write(joined.subarray(0, BLOB_CHUNK_BYTES));
          joined = joined.subarray(BLOB_CHUNK_BYTES);
        }
        if (last && joined.length > 0) {
          await write(joined);
          joined = Buffer.alloc(0);
        }
        pending = joined.length > 0 ? [joined] : [];
        pendingBytes = joined.length;
      };
      // for await: the body is read no faster than the rows are written, and a throw out of
      // the loop (too large) destroys it.
      for await (const piece of body as AsyncIterable<Buffer | string>) {
        const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
        size += chunk.length;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        hash.update(chunk);
        if (sampled < TYPE_SAMPLE_BYTES) {
          const part = chunk.subarray(0, TYPE_SAMPLE_BYTES - sampled);
          sample.push(Buffer.from(part));
          sampled += part.length;
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        await flush(false);
      }
      await flush(true);
      await inspect?.(Buffer.concat(sample));
      const sha256 = hash.digest('hex');
      // The one statement that makes the blob visible. The same content published first by
      // another put (here or on another process) wins; this copy is dropped.
      const published = await this.#pool.query(
        `INSERT INTO blob_contents (space, sha256, upload_id, size, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (space, sha256) DO NOTHING`,
        [this.#space, sha256, uploadId, size, this.#now()],
      );
      if (published.rowCount === 0) await this.#discard(uploadId);
      return { sha256, size };
    } catch (error) {
      await this.#discard(uploadId).catch(() => undefined);
      throw isDiskFull(error) ? new StorageFullError(error) : error;
    }
  }

  async has(sha256: string): Promise<boolean> {
    const { rows } = await this.#pool.query(
      'SELECT 1 FROM blob_contents WHERE space = $1 AND sha256 = $2',
      [this.#space, sha256],
      { againOnLostConnection: true },
    );
    return rows.length > 0;
  }

  async delete(sha256: string): Promise<void> {
    // The upload row goes, and its chunks and address with it (ON DELETE CASCADE).
    await this.#pool.query(
      `DELETE FROM blob_uploads WHERE id =
         (SELECT upload_id FROM blob_contents WHERE space = $1 AND sha256 = $2)`,
      [this.#space, sha256],
    );
  }

  /** By `blob_contents.created_at`, the time the blob became visible. */
  async storedBefore(time: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ sha256: string }>(
      'SELECT sha256 FROM blob_contents WHERE space = $1 AND created_at < $2 ORDER BY sha256',
      [this.#space, time],
      { againOnLostConnection: true },
    );
    return rows.map((row) => row.sha256);
  }

  /**
   * Rejects with BlobMissingError when nothing is stored at `sha256`. The stream reads
   * CHUNKS_PER_READ rows at a time as it is consumed, only the rows `range` spans; a blob
   * deleted while it is read fails the stream.
   */
  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    const { rows } = await this.#pool.query<{ upload_id: string; size: string }>(
      'SELECT upload_id, size FROM blob_contents WHERE space = $1 AND sha256 = $2',
      [this.#space, sha256],
      { againOnLostConnection: true },
    );
    const found = rows[0];
    if (!found) throw new BlobMissingError(sha256);
    const size = Number(found.size);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? size - 1, size - 1);
    if (end < start) return Readable.from([], { objectMode: false });
    const pool = this.#pool;
    const uploadId = found.upload_id;
    async function* bytes(): AsyncGenerator<Buffer> {
      const last = Math.floor(end / BLOB_CHUNK_BYTES);
      for (let first = Math.floor(start / BLOB_CHUNK_BYTES); first <= last;) {
        const upTo = Math.min(last, first + CHUNKS_PER_READ - 1);
        const { rows: chunks } = await pool.query<{ n: number; data: Buffer }>(
          `SELECT n, data FROM blob_chunks WHERE upload_id = $1 AND n BETWEEN $2 AND $3
           ORDER BY n`,
          [uploadId, first, upTo],
          { againOnLostConnection: true },
        );
        if (chunks.length !== upTo - first + 1) throw new BlobMissingError(sha256);
        for (const { n, data } of chunks) {
          const offset = n * BLOB_CHUNK_BYTES;
          yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
        }
        first = upTo + 1;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /**
   * Deletes uploads older than ABANDONED_UPLOAD_MS that nothing points at (their process died
   * mid-upload); returns how many. Run by a put once an hour per process.
   */
  async sweepAbandoned(): Promise<number> {
    this.#sweptAt = this.#now();
    const result = await this.#pool.query(
      `DELETE FROM blob_uploads u WHERE u.started_at < $1
         AND NOT EXISTS (SELECT 1 FROM blob_contents c WHERE c.upload_id = u.id)`,
      [this.#now() - ABANDONED_UPLOAD_MS],
    );
    return result.rowCount ?? 0;
  }

  async #discard(uploadId: string): Promise<void> {
    await this.#pool.query('DELETE FROM blob_uploads WHERE id = $1', [uploadId]);
  }
}
