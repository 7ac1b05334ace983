import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BlobTooLargeError,
  StorageFullError,
  type BlobStorage,
  type InspectUpload,
  type StoredBlob,
} from './BlobStorage.ts';
import type { ByteRange } from './byteRange.ts';
import { TYPE_SAMPLE_BYTES } from './contentType.ts';

/** ENOSPC: no space left on the device; EDQUOT: the disk quota of the server's user. */
function isStorageFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * The filesystem BlobStorage: content-addressed files under
 * `<DATA_DIR>/blobs/<first two hex>/<sha256>`. A body is streamed to a temporary file while
 * hashed, then renamed into place: a file at its final path is always complete, and the same
 * content uploaded twice is stored once.
 */
export class BlobStore implements BlobStorage {
  constructor(readonly root: string) {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): Promise<boolean> {
    return Promise.resolve(fs.existsSync(this.pathOf(sha256)));
  }

  delete(sha256: string): Promise<void> {
    return fs.promises.rm(this.pathOf(sha256), { force: true });
  }

  /**
   * BlobStorage.put; `inspect` sees the first TYPE_SAMPLE_BYTES once all bytes are written,
   * before the file is renamed into place. On any failure the partial file is removed.
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

  /** By the files' modification time: a file is renamed into place once written, never changed. */
  async storedBefore(time: number): Promise<string[]> {
    const found: string[] = [];
    for (const dir of await fs.promises.readdir(this.root)) {
      // `tmp/` holds uploads in progress, not blobs.
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      // A folder emptied and removed meanwhile by a concurrent delete is simply empty.
      const names = await fs.promises.readdir(path.join(this.root, dir)).catch(() => []);
      for (const name of names) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue;
        const stat = await fs.promises.stat(path.join(this.root, dir, name)).catch(() => null);
        if (stat && stat.mtimeMs < time) found.push(name);
      }
    }
    return found;
  }

  /** Rejects when there is no such blob (ENOENT), rather than failing the stream later. */
  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    const handle = await fs.promises.open(this.pathOf(sha256), 'r');
    return handle.createReadStream(range);
  }
}
