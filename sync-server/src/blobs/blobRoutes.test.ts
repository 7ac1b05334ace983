import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { testImage } from '../testing/testImages.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';

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

/** The start of an ISO MP4 (an `ftyp` box) followed by `size` bytes in all. */
function mp4(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7) % 251;
  bytes.set([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypisom'), 0, 0, 2, 0]);
  bytes.set(new TextEncoder().encode('isomiso2'), 16);
  return bytes;
}

interface Uploaded {
  sha256: string;
  size: number;
  type: string;
  name: string;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('attachments (blobs)', () => {
  it('stores a file under its SHA-256 and serves it back to members', async () => {
    const owner = await signUp(t);
    const bytes = new Uint8Array(await testImage('png', 40, 30));
    const res = await upload(owner.client, owner.slug, bytes, 'image/png', 'screen shot.png');
    expect(res.status).toBe(201);
    const body = (await res.json()) as Uploaded;
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
    expect(back.headers.get('accept-ranges')).toBe('bytes');
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

  describe('the type comes from the content, not the name or the header', () => {
    it('detects a PNG sent with a wrong content-type as image/png and shows it inline', async () => {
      const owner = await signUp(t);
      const bytes = new Uint8Array(await testImage('png', 8, 8));
      const res = await upload(owner.client, owner.slug, bytes, 'text/plain', 'notes.txt');
      const body = (await res.json()) as Uploaded;
      expect(body.type).toBe('image/png');
      const back = await download(owner.client, owner.slug, body.sha256);
      expect(back.headers.get('content-type')).toBe('image/png');
      expect(back.headers.get('content-disposition')).toMatch(/^inline/);
    });

    it('serves an HTML page renamed to .png and labelled image/png only as a download', async () => {
      const owner = await signUp(t);
      const page =
        '<!doctype html><html><body><script>fetch("/api/auth/me")</script></body></html>';
      const res = await upload(
        owner.client,
        owner.slug,
        new TextEncoder().encode(page),
        'image/png',
        'photo.png',
      );
      expect(res.status).toBe(201);
      const body = (await res.json()) as Uploaded;
      expect(body.type).toBe('text/html');
      const stored = t.server.ctx.db
        .prepare('SELECT type FROM workspace_blobs WHERE sha256 = ?')
        .get(body.sha256) as { type: string };
      expect(stored.type).toBe('text/html');
      const back = await download(owner.client, owner.slug, body.sha256);
      expect(back.headers.get('content-type')).toBe('application/octet-stream');
      expect(back.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(back.headers.get('x-content-type-options')).toBe('nosniff');
      expect(back.headers.get('content-security-policy')).toMatch(/^sandbox/);
    });

    it('serves an SVG (which may carry scripts) only as a download', async () => {
      const owner = await signUp(t);
      const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
      const res = await upload(
        owner.client,
        owner.slug,
        new TextEncoder().encode(svg),
        'image/png',
        'logo.png',
      );
      const body = (await res.json()) as Uploaded;
      expect(body.type).toBe('image/svg+xml');
      const back = await download(owner.client, owner.slug, body.sha256);
      expect(back.headers.get('content-type')).toBe('application/octet-stream');
      expect(back.headers.get('content-disposition')).toMatch(/^attachment/);
    });

    it('refuses a Windows program renamed to .pdf (MZ header) and stores nothing', async () => {
      const owner = await signUp(t);
      const exe = new Uint8Array(4096);
      exe.set([0x4d, 0x5a, 0x90, 0x00]);
      const res = await upload(owner.client, owner.slug, exe, 'application/pdf', 'invoice.pdf');
      expect(res.status).toBe(415);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe(ErrorCode.fileTypeRefused);
      const sha256 = crypto.createHash('sha256').update(exe).digest('hex');
      const blobs = path.join(t.server.ctx.config.DATA_DIR, 'blobs');
      expect(fs.existsSync(path.join(blobs, sha256.slice(0, 2), sha256))).toBe(false);
      expect(fs.readdirSync(path.join(blobs, 'tmp'))).toEqual([]);
      const rows = t.server.ctx.db
        .prepare('SELECT COUNT(*) AS n FROM workspace_blobs WHERE sha256 = ?')
        .get(sha256) as { n: number };
      expect(rows.n).toBe(0);
    });

    it('refuses a Linux program (ELF header) whatever its name', async () => {
      const owner = await signUp(t);
      const elf = new Uint8Array(256);
      elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
      const res = await upload(owner.client, owner.slug, elf, 'text/plain', 'readme.txt');
      expect(res.status).toBe(415);
    });

    it('shows a PDF inline as application/pdf, without the sandbox that blocks PDF viewers', async () => {
      const owner = await signUp(t);
      const pdf = new TextEncoder().encode(
        '%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n',
      );
      const res = await upload(owner.client, owner.slug, pdf, 'application/octet-stream', 'a.pdf');
      const body = (await res.json()) as Uploaded;
      expect(body.type).toBe('application/pdf');
      const back = await download(owner.client, owner.slug, body.sha256);
      expect(back.headers.get('content-type')).toBe('application/pdf');
      expect(back.headers.get('content-disposition')).toMatch(/^inline/);
      expect(back.headers.get('x-content-type-options')).toBe('nosniff');
      expect(back.headers.get('content-security-policy')).not.toMatch(/sandbox/);
      expect(back.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    });
  });

  describe('range requests (seekable video)', () => {
    const bytes = mp4(1000);
    let owner: Awaited<ReturnType<typeof signUp>>;
    let sha256: string;
    beforeAll(async () => {
      owner = await signUp(t);
      const res = await upload(
        owner.client,
        owner.slug,
        bytes,
        'application/octet-stream',
        'v.mp4',
      );
      const body = (await res.json()) as Uploaded;
      expect(body.type).toBe('video/mp4');
      sha256 = body.sha256;
    });
    const ranged = (range: string, extra: Record<string, string> = {}) =>
      fetch(`${owner.client.baseUrl}/api/workspaces/${owner.slug}/blobs/${sha256}`, {
        headers: {
          cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
          range,
          ...extra,
        },
      });

    it('answers the first bytes with 206 and their Content-Range', async () => {
      const res = await ranged('bytes=0-99');
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe('bytes 0-99/1000');
      expect(res.headers.get('content-length')).toBe('100');
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(0, 100));
    });

    it('answers a range in the middle', async () => {
      const res = await ranged('bytes=500-599');
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe('bytes 500-599/1000');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(500, 600));
    });

    it('answers a suffix range with the last bytes, and an open range to the end', async () => {
      const suffix = await ranged('bytes=-100');
      expect(suffix.status).toBe(206);
      expect(suffix.headers.get('content-range')).toBe('bytes 900-999/1000');
      expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(900));
      const open = await ranged('bytes=990-');
      expect(open.headers.get('content-range')).toBe('bytes 990-999/1000');
      expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.slice(990));
    });

    it('answers 416 with the size for a range past the end', async () => {
      const res = await ranged('bytes=1000-1100');
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */1000');
      await res.arrayBuffer();
    });

    it('answers the whole file when If-Range names another version', async () => {
      const stale = await ranged('bytes=0-99', { 'if-range': '"not-this-one"' });
      expect(stale.status).toBe(200);
      expect((await stale.arrayBuffer()).byteLength).toBe(1000);
      const current = await ranged('bytes=0-99', { 'if-range': `"${sha256}"` });
      expect(current.status).toBe(206);
      await current.arrayBuffer();
    });
  });

  describe('thumbnails', () => {
    const thumbnail = (client: TestClient, slug: string, sha256: string) =>
      fetch(`${client.baseUrl}/api/workspaces/${slug}/blobs/${sha256}/thumbnail`, {
        headers: { cookie: `${SESSION_COOKIE}=${client.sessionToken}` },
      });

    it('makes a WebP thumbnail of a PNG, at most 320 px, and serves it inline', async () => {
      const owner = await signUp(t);
      const png = new Uint8Array(await testImage('png', 1600, 1200));
      const { sha256 } = (await (
        await upload(owner.client, owner.slug, png, 'image/png', 'big.png')
      ).json()) as Uploaded;
      const res = await thumbnail(owner.client, owner.slug, sha256);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(res.headers.get('content-disposition')).toMatch(/^inline/);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 320, height: 240 });
      const onDisk = path.join(
        t.server.ctx.config.DATA_DIR,
        'thumbnails',
        sha256.slice(0, 2),
        `${sha256}.webp`,
      );
      expect(fs.existsSync(onDisk)).toBe(true);
    });

    it('makes one of a JPEG and never enlarges a small image', async () => {
      const owner = await signUp(t);
      const jpeg = new Uint8Array(await testImage('jpeg', 100, 50));
      const { sha256, type } = (await (
        await upload(owner.client, owner.slug, jpeg, 'application/octet-stream', 'x')
      ).json()) as Uploaded;
      expect(type).toBe('image/jpeg');
      const res = await thumbnail(owner.client, owner.slug, sha256);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta).toMatchObject({ width: 100, height: 50 });
    });

    it('has none for a file that is not an image, and none for another workspace', async () => {
      const owner = await signUp(t);
      const other = await signUp(t);
      const text = await upload(
        owner.client,
        owner.slug,
        new TextEncoder().encode('plain words'),
        'image/png',
        'fake.png',
      );
      const textSha = ((await text.json()) as Uploaded).sha256;
      expect((await thumbnail(owner.client, owner.slug, textSha)).status).toBe(404);
      const png = new Uint8Array(await testImage('png', 20, 20));
      const { sha256 } = (await (
        await upload(owner.client, owner.slug, png, 'image/png', 'p.png')
      ).json()) as Uploaded;
      expect((await thumbnail(other.client, other.slug, sha256)).status).toBe(404);
    });
  });

  it('answers 507 insufficient_storage when the disk is full, and leaves no partial file', async () => {
    const owner = await signUp(t);
    const createWriteStream = fs.createWriteStream.bind(fs);
    const opened: string[] = [];
    let written = 0;
    // The disk cannot be filled here: the blob's file stream takes its first write, then
    // fails as a full disk does (ENOSPC from the kernel).
    vi.spyOn(fs, 'createWriteStream').mockImplementationOnce(((
      file: fs.PathLike,
      options?: Parameters<typeof fs.createWriteStream>[1],
    ) => {
      const stream = createWriteStream(file, options);
      opened.push(String(file));
      const full = () =>
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const write = stream._write.bind(stream);
      stream._write = (chunk: Buffer, encoding, done) => {
        if (written++ > 0) done(full());
        else write(chunk, encoding, done);
      };
      stream._writev = (_chunks, done) => done(full());
      return stream;
    }) as typeof fs.createWriteStream);
    const bytes = new Uint8Array(2 * 1024 * 1024).fill(7);
    const res = await upload(owner.client, owner.slug, bytes, 'application/octet-stream', 'big');
    expect(res.status).toBe(507);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe(ErrorCode.insufficientStorage);
    expect(written).toBeGreaterThan(1);
    expect(opened).toHaveLength(1);
    expect(fs.existsSync(opened[0]!)).toBe(false);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    expect(
      t.server.ctx.db.prepare('SELECT COUNT(*) AS n FROM blobs WHERE sha256 = ?').get(sha256),
    ).toEqual({ n: 0 });
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
