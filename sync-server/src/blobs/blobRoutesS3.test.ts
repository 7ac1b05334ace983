import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { FakeS3Server } from '../testing/FakeS3Server.ts';
import { testImage } from '../testing/testImages.ts';

let s3: FakeS3Server;
let t: AuthTestServer;
beforeAll(async () => {
  s3 = await FakeS3Server.start();
  t = await startAuthTestServer({
    BLOB_S3_BUCKET: 'desk-files',
    BLOB_S3_ENDPOINT: s3.endpoint,
    BLOB_S3_PREFIX: 'attachments/',
    BLOB_S3_ACCESS_KEY_ID: 'test',
    BLOB_S3_SECRET_ACCESS_KEY: 'test-secret',
  });
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

describe('attachments in an S3-compatible bucket (BLOB_S3_BUCKET)', () => {
  it('stores the upload as an object, not in DATA_DIR/blobs, and serves it, ranges and thumbnail included', async () => {
    const owner = await signUp(t);
    const png = await testImage('png', 640, 480);
    const headers = { cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}` };
    const base = `${owner.client.baseUrl}/api/workspaces/${owner.slug}/blobs`;
    const res = await fetch(base, {
      method: 'POST',
      headers: { ...headers, origin: owner.client.origin, 'x-file-name': 'shot.png' },
      body: new Uint8Array(png),
    });
    expect(res.status).toBe(201);
    const { sha256, type } = (await res.json()) as { sha256: string; type: string };
    expect(type).toBe('image/png');

    const key = `/desk-files/attachments/${sha256.slice(0, 2)}/${sha256}`;
    expect(s3.objects.get(key)?.equals(png)).toBe(true);
    const local = path.join(t.server.ctx.config.DATA_DIR, 'blobs', sha256.slice(0, 2), sha256);
    expect(fs.existsSync(local)).toBe(false);

    const whole = await fetch(`${base}/${sha256}`, { headers });
    expect(whole.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await whole.arrayBuffer()).equals(png)).toBe(true);
    const part = await fetch(`${base}/${sha256}`, { headers: { ...headers, range: 'bytes=8-15' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(8, 16))).toBe(true);

    const thumbnail = await fetch(`${base}/${sha256}/thumbnail`, { headers });
    expect(thumbnail.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 320, height: 240 });
  });
});
