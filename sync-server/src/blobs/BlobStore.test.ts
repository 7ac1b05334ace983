import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageFullError } from './BlobStorage.ts';
import { BlobStore } from './BlobStore.ts';
import { describeBlobStorageContract } from '../testing/blobStorageContract.ts';

const tempRoots: string[] = [];
function emptyStore(): BlobStore {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-blobs-'));
  tempRoots.push(root);
  return new BlobStore(root);
}

describeBlobStorageContract('filesystem (BlobStore)', () => {
  const store = emptyStore();
  return { storage: store, close: () => fs.rmSync(store.root, { recursive: true, force: true }) };
});

describe('BlobStore on a full disk', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    for (const root of tempRoots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });

  it('rejects with StorageFullError on ENOSPC and removes the partial file', async () => {
    const store = emptyStore();
    const real = fs.createWriteStream.bind(fs);
    let partial = '';
    // The disk cannot be filled here: the temp file takes one write, then fails as a full
    // disk does.
    vi.spyOn(fs, 'createWriteStream').mockImplementationOnce(((
      file: fs.PathLike,
      options?: Parameters<typeof fs.createWriteStream>[1],
    ) => {
      partial = String(file);
      const stream = real(file, options);
      const full = () => Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
      const write = stream._write.bind(stream);
      let writes = 0;
      stream._write = (chunk: Buffer, encoding, done) => {
        if (writes++ > 0) done(full());
        else write(chunk, encoding, done);
      };
      stream._writev = (_chunks, done) => done(full());
      return stream;
    }) as typeof fs.createWriteStream);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(64 * 1024, 1));
    const failure = await store.put(Readable.from(chunks), 10 * 1024 * 1024).catch((e) => e);
    expect(failure).toBeInstanceOf(StorageFullError);
    expect(partial).not.toBe('');
    expect(fs.existsSync(partial)).toBe(false);
    expect(fs.readdirSync(path.join(store.root, 'tmp'))).toEqual([]);
  });

  it('treats EDQUOT (the server user’s disk quota) as a full disk too', async () => {
    const store = emptyStore();
    const real = fs.createWriteStream.bind(fs);
    vi.spyOn(fs, 'createWriteStream').mockImplementationOnce(((
      file: fs.PathLike,
      options?: Parameters<typeof fs.createWriteStream>[1],
    ) => {
      const stream = real(file, options);
      stream._write = (_chunk, _encoding, done) =>
        done(Object.assign(new Error('EDQUOT'), { code: 'EDQUOT' }));
      stream._writev = (_chunks, done) =>
        done(Object.assign(new Error('EDQUOT'), { code: 'EDQUOT' }));
      return stream;
    }) as typeof fs.createWriteStream);
    await expect(store.put(Readable.from([Buffer.from('x')]), 10)).rejects.toBeInstanceOf(
      StorageFullError,
    );
    expect(fs.readdirSync(path.join(store.root, 'tmp'))).toEqual([]);
  });
});
