import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import type {
  AuthTestServer,
  TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { signUp } from '../../../sync-server/src/testing/authTestServer.ts';
import { getBytes } from '../../../sync-server/src/testing/exportTestSupport.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import { clusterProcesses } from './clusterProcesses.ts';

// Attachments on a cluster without BLOB_S3_BUCKET (issue 19): kept in PostgreSQL
// (PgBlobStore), so a file uploaded through one process is served by every other.

/** Uploads `bytes` as an attachment through `server`; its answer's sha256. */
async function upload(
  server: AuthTestServer,
  client: TestClient,
  slug: string,
  name: string,
  bytes: Buffer,
): Promise<string> {
  const res = await fetch(`${server.server.url}/api/workspaces/${slug}/blobs`, {
    method: 'POST',
    headers: {
      origin: client.origin,
      cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
      'x-file-name': name,
      'content-type': 'application/octet-stream',
    },
    body: new Uint8Array(bytes),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { sha256: string }).sha256;
}

function bytesOf(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >> 11)) % 251;
  return out;
}

await describeWithPostgresAndRedis(
  'attachments across two server processes',
  { ownServer: false },
  () => {
    const world = clusterProcesses();
    afterEach(() => world.close());

    it('a file uploaded on A is served on B, whole and by range, and is on neither disk', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const onB = await world.logIn(b, owner.email);
      // Larger than one 256 KiB row, so B reads it back from several.
      const bytes = bytesOf(700_000);
      const sha256 = await upload(a, owner.client, owner.slug, 'capture.bin', bytes);
      const url = `/api/workspaces/${owner.slug}/blobs/${sha256}`;

      const whole = await getBytes(b.server, onB, url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-length')).toBe(String(bytes.length));
      expect(whole.bytes.equals(bytes)).toBe(true);

      const res = await fetch(`${b.server.url}${url}`, {
        headers: {
          cookie: `${SESSION_COOKIE}=${onB.sessionToken}`,
          range: 'bytes=262000-530000',
        },
      });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 262000-530000/${bytes.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(262000, 530001))).toBe(
        true,
      );

      const rows = await world.query<{ size: number }>(
        `SELECT size::int AS size FROM blob_contents WHERE space = 'attachments' AND sha256 = $1`,
        [sha256],
      );
      expect(rows).toEqual([{ size: bytes.length }]);
      for (const s of [a, b]) {
        const file = path.join(s.server.ctx.config.DATA_DIR, 'blobs', sha256.slice(0, 2), sha256);
        expect(fs.existsSync(file)).toBe(false);
      }
    });

    it('the same file uploaded on both at once is kept once', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const onB = await world.logIn(b, owner.email);
      const bytes = bytesOf(300_000);
      const [fromA, fromB] = await Promise.all([
        upload(a, owner.client, owner.slug, 'a.bin', bytes),
        upload(b, onB, owner.slug, 'b.bin', bytes),
      ]);
      expect(fromA).toBe(fromB);
      const rows = await world.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM blob_contents WHERE space = 'attachments'`,
      );
      expect(rows).toEqual([{ n: 1 }]);
      const served = await getBytes(
        a.server,
        owner.client,
        `/api/workspaces/${owner.slug}/blobs/${fromB}`,
      );
      expect(served.bytes.equals(bytes)).toBe(true);
    });
  },
);
