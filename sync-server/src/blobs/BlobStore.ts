import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`blob larger than ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
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

  /** Stores the stream's bytes; rejects with BlobTooLargeError past `maxBytes`. */
  async put(body: Readable, maxBytes: number): Promise<StoredBlob> {
    const temp = path.join(this.root, 'tmp', crypto.randomUUID());
    const hash = crypto.createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(new BlobTooLargeError(maxBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, fs.createWriteStream(temp, { flags: 'wx' }));
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      fs.mkdirSync(path.dirname(final), { recursive: true });
      if (fs.existsSync(final)) fs.rmSync(temp);
      else fs.renameSync(temp, final);
      return { sha256, size };
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  open(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }
}
