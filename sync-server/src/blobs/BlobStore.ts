import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange } from './byteRange.ts';
import { TYPE_SAMPLE_BYTES } from './contentType.ts';

export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/** Looks at a finished upload before it is kept; throwing refuses it and nothing is stored. */
export type InspectUpload = (sample: Uint8Array) => Promise<void> | void;

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`blob larger than ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The disk (or the quota of the user the server runs as) is full: nothing was stored. */
export class StorageFullError extends Error {
  constructor(cause: unknown) {
    super('no space left to store the file', { cause });
    this.name = 'StorageFullError';
  }
}

/** ENOSPC: no space left on the device; EDQUOT: the disk quota of the server's user. */
function isStorageFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Content-addressed files under `<DATA_DIR>/blobs/<first two hex>/<sha256>`. A body is
 * streamed to a temporary file while hashed, then renamed into place: a file at its final
 * path is always complete, and the same content uploaded twice is stored once.
 */
export class BlobStore {
  constructor(readonly root: string) {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256));
  }

  /**
   * Stores the stream's bytes; rejects with BlobTooLargeError as soon as more than
   * `maxBytes` arrived, and with StorageFullError when the disk is full. `inspect` sees the
   * first TYPE_SAMPLE_BYTES once all bytes are written, before the file is kept. On any
   * failure the partial file is removed.
   */
  async put(body: Readable, maxBytes: number, inspect?: InspectUpload): Promise<StoredBlob> {
    const temp = path.join(this.root, 'tmp', crypto.randomUUID());
    const hash = crypto.createHash('sha256');
    let size = 0;
    const sample: Buffer[] = [];
    let sampled = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(new BlobTooLargeError(maxBytes));
          return;
        }
        hash.update(chunk);
        if (sampled < TYPE_SAMPLE_BYTES) {
          const part = chunk.subarray(0, TYPE_SAMPLE_BYTES - sampled);
          sample.push(Buffer.from(part));
          sampled += part.length;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, fs.createWriteStream(temp, { flags: 'wx' }));
      await inspect?.(Buffer.concat(sample));
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      fs.mkdirSync(path.dirname(final), { recursive: true });
      if (fs.existsSync(final)) fs.rmSync(temp);
      else fs.renameSync(temp, final);
      return { sha256, size };
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw isStorageFull(error) ? new StorageFullError(error) : error;
    }
  }

  /** The stored bytes, or the inclusive `range` of them. */
  open(sha256: string, range?: ByteRange): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256), range);
  }
}
