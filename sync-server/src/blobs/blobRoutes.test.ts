import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { SESSION_COOKIE } from '../auth/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../auth/testSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

function upload(
  client: TestClient,
  slug: string,
  bytes: Uint8Array<ArrayBuffer>,
  type: string,
  name: string,
) {
  return fetch(`${client.baseUrl}/api/workspaces/${slug}/blobs`, {
    method: 'POST',
    headers: {
      origin: client.origin,
      cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
      'content-type': type,
      'x-file-name': encodeURIComponent(name),
    },
    body: bytes,
  });
}

function download(client: TestClient, slug: string, sha256: string, query = '') {
  return fetch(`${client.baseUrl}/api/workspaces/${slug}/blobs/${sha256}${query}`, {
    headers: { cookie: `${SESSION_COOKIE}=${client.sessionToken}` },
  });
}

describe('attachments (blobs)', () => {
  it('stores a file under its SHA-256 and serves it back to members', async () => {
    const owner = await signUp(t);
    const bytes = new TextEncoder().encode('a screenshot, pretend');
    const res = await upload(owner.client, owner.slug, bytes, 'image/png', 'screen shot.png');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { sha256: string; size: number; type: string; name: string };
    expect(body).toEqual({
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      type: 'image/png',
      name: 'screen shot.png',
    });
    const back = await download(owner.client, owner.slug, body.sha256);
    expect(back.status).toBe(200);
    expect(back.headers.get('content-type')).toBe('image/png');
    expect(back.headers.get('content-disposition')).toMatch(/^inline/);
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(bytes);
  });

  it('never serves an uploaded page inline, so it cannot run on this origin', async () => {
    const owner = await signUp(t);
    const res = await upload(
      owner.client,
      owner.slug,
      new TextEncoder().encode('<script>x</script>'),
      'text/html',
      'evil.html',
    );
    const { sha256 } = (await res.json()) as { sha256: string };
    const back = await download(owner.client, owner.slug, sha256);
    expect(back.headers.get('content-type')).toBe('application/octet-stream');
    expect(back.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(back.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('does not serve a workspace’s file to members of another workspace, even knowing the hash', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const res = await upload(
      owner.client,
      owner.slug,
      new TextEncoder().encode('secret'),
      'text/plain',
      's.txt',
    );
    const { sha256 } = (await res.json()) as { sha256: string };
    expect((await download(other.client, other.slug, sha256)).status).toBe(404);
    expect((await download(other.client, owner.slug, sha256)).status).toBe(404);
  });

  it('stores the same content once and keeps the name per workspace', async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const bytes = new TextEncoder().encode('same bytes');
    await upload(a.client, a.slug, bytes, 'text/plain', 'a.txt');
    await upload(b.client, b.slug, bytes, 'text/plain', 'b.txt');
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    const rows = t.server.ctx.db
      .prepare('SELECT COUNT(*) AS n FROM blobs WHERE sha256 = ?')
      .get(sha) as { n: number };
    expect(rows.n).toBe(1);
    const back = await download(b.client, b.slug, sha, '?download=1');
    expect(back.headers.get('content-disposition')).toContain("filename*=UTF-8''b.txt");
  });

  it('asks for a login and refuses strangers', async () => {
    const owner = await signUp(t);
    const res = await fetch(`${owner.client.baseUrl}/api/workspaces/${owner.slug}/blobs`, {
      method: 'POST',
      headers: { origin: owner.client.origin },
      body: 'x',
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe(ErrorCode.unauthenticated);
  });
});
