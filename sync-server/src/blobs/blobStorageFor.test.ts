import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { BlobStore } from './BlobStore.ts';
import { blobStorageFor } from './blobStorageFor.ts';
import { PgBlobStore } from './PgBlobStore.ts';
import { S3BlobStore } from './S3BlobStore.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-blob-choice-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const config = (env: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: dataDir, PORT: '0', ...env });
// Never connected: a pool opens its first connection on its first query.
const pool = new PgPool({ url: 'postgres://nobody@127.0.0.1:1/none' });
afterAll(() => pool.end());

describe('blobStorageFor', () => {
  it('keeps one process’s files on its disk: attachments in blobs/, export zips in exports/zips/', async () => {
    const attachments = await blobStorageFor(config());
    const zips = await blobStorageFor(config(), { space: 'exports' });
    expect(attachments).toBeInstanceOf(BlobStore);
    expect((attachments as BlobStore).root).toBe(path.join(dataDir, 'blobs'));
    expect((zips as BlobStore).root).toBe(path.join(dataDir, 'exports', 'zips'));
  });

  it('keeps a cluster’s files on its PostgreSQL when no bucket is configured', async () => {
    expect(await blobStorageFor(config(), { pool })).toBeInstanceOf(PgBlobStore);
    expect(await blobStorageFor(config(), { pool, space: 'exports' })).toBeInstanceOf(PgBlobStore);
  });

  it('keeps them in the bucket whenever BLOB_S3_BUCKET is set, on a cluster too', async () => {
    const s3 = config({ BLOB_S3_BUCKET: 'desk', BLOB_S3_PREFIX: 'p/' });
    const attachments = await blobStorageFor(s3, { pool });
    const zips = await blobStorageFor(s3, { pool, space: 'exports' });
    expect(attachments).toBeInstanceOf(S3BlobStore);
    const sha = 'a'.repeat(64);
    expect((attachments as S3BlobStore).keyOf(sha)).toBe(`p/aa/${sha}`);
    expect((zips as S3BlobStore).keyOf(sha)).toBe(`p/exports/aa/${sha}`);
  });
});
