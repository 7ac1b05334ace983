import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBlobStorageContract } from '../testing/blobStorageContract.ts';
import { FakeS3Server } from '../testing/FakeS3Server.ts';
import { createS3Client, S3BlobStore } from './S3BlobStore.ts';

let s3: FakeS3Server;
beforeAll(async () => {
  s3 = await FakeS3Server.start();
});
afterAll(() => s3.close());

let stores = 0;
function s3Store(): { store: S3BlobStore; stagingDir: string } {
  const stagingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-s3-staging-'));
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  // A prefix per store: every test starts with an empty bucket as far as it can see.
  const store = new S3BlobStore({ client, bucket: 'desk', prefix: `t${++stores}/`, stagingDir });
  return { store, stagingDir };
}

describeBlobStorageContract('S3 (S3BlobStore against a fake S3 server)', () => {
  const { store, stagingDir } = s3Store();
  return { storage: store, close: () => fs.rmSync(stagingDir, { recursive: true, force: true }) };
});

describe('S3BlobStore', () => {
  it('puts an object at <prefix><two hex>/<sha256> and keeps no staged copy', async () => {
    const { store, stagingDir } = s3Store();
    const stored = await store.put(Readable.from([Buffer.from('hello, bucket')]), 100);
    expect(s3.objects.get(`/desk/${store.keyOf(stored.sha256)}`)?.toString()).toBe('hello, bucket');
    expect(store.keyOf(stored.sha256)).toMatch(/^t\d+\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    const staged = fs.readdirSync(stagingDir, { recursive: true, withFileTypes: true });
    expect(staged.filter((entry) => entry.isFile())).toEqual([]);
  });

  it('lists a bucket of more keys than one page holds, page after page', async () => {
    const { store } = s3Store();
    s3.pageSize = 2;
    try {
      const stored = [];
      for (let i = 0; i < 5; i++) stored.push(await store.put(Readable.from([`zip ${i}`]), 100));
      const listed = await store.storedBefore(Date.now() + 60_000);
      expect(listed.sort()).toEqual(stored.map((s) => s.sha256).sort());
    } finally {
      s3.pageSize = 1000;
    }
  });

  it('does not upload content the bucket already holds', async () => {
    const { store } = s3Store();
    const bytes = Buffer.from('uploaded once');
    const { sha256 } = await store.put(Readable.from([bytes]), 100);
    const key = `/desk/${store.keyOf(sha256)}`;
    await store.put(Readable.from([bytes]), 100);
    expect(s3.requests.filter((r) => r === `PUT ${key}`)).toHaveLength(1);
  });
});
