import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MAX_ATTACHMENT_BYTES,
  RefusedLimit,
  type ErrorBody,
  type ExportListResponse,
} from '@desk/protocol';
import { plans } from '../billing/plans.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { getJson, postJson } from '../testing/exportTestSupport.ts';
import { MAX_BLOB_BYTES } from './blobRoutes.ts';

// The upload route (REST) against the plan limits (SPEC.md, LIMIT-8 and LIMIT-13): storage
// and one file's size, each at, just under and just over its value. Over, the answer is 413
// payload_too_large naming the limit (`error.limit`) and nothing is stored.

let t: AuthTestServer;
let owner: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  t = await startAuthTestServer();
  owner = await signUp(t);
});
afterAll(() => t.close());

interface UploadAnswer {
  readonly status: number;
  json(): Promise<unknown>;
}

/**
 * Posts a file as a browser's upload does, and takes the answer as soon as it comes. A file
 * refused by its declared length is answered before its body is read, and the server closes
 * the connection after the answer (blobRoutes `closeAfterRefusal`): a client still sending
 * then meets a reset. `fetch` reports only that reset when it comes first (a busy machine);
 * node:http hands over the answer it read, which is what this test is about.
 */
function upload(
  client: TestClient,
  slug: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(`${client.baseUrl}/api/workspaces/${slug}/blobs`, {
      method: 'POST',
      headers: {
        origin: client.origin,
        cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
        'content-type': 'application/pdf',
        'content-length': bytes.byteLength,
        'x-file-name': 'file.pdf',
      },
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: () => Promise.resolve(JSON.parse(text)) });
      });
    });
    // The rest of a refused body meets the closed connection: the answer already read stands.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}

let files = 0;
/** A PDF by its bytes, of exactly `bytes`, different from every other one. */
function pdf(bytes: number): Uint8Array<ArrayBuffer> {
  const file = new Uint8Array(bytes).fill(0x20);
  file.set(new TextEncoder().encode(`%PDF-1.4\n%${files++}\n`));
  return file;
}

const db = () => t.server.ctx.db;
const storedFiles = () =>
  db()
    .prepare('SELECT COUNT(*) FROM workspace_blobs WHERE workspace_id = ?')
    .pluck()
    .get(owner.workspaceId) as number;
/**
 * The workspace's documents weigh `bytes` (the counter the storage limit reads; writing a
 * gigabyte of documents to fill a trial workspace is not what this test is about).
 */
function documentsWeigh(bytes: number): void {
  db()
    .prepare(
      `INSERT INTO workspace_doc_bytes (workspace_id, bytes) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET bytes = excluded.bytes`,
    )
    .run(owner.workspaceId, bytes);
}
const filesWeigh = () =>
  db()
    .prepare('SELECT COALESCE(SUM(size), 0) FROM workspace_blobs WHERE workspace_id = ?')
    .pluck()
    .get(owner.workspaceId) as number;

const cases = [
  { name: 'just under', delta: -1, accepted: true },
  { name: 'at', delta: 0, accepted: true },
  { name: 'just over', delta: 1, accepted: false },
] as const;

describe('LIMIT-8 REST upload: storage (documents plus attachments) at, just under and just over the quota', () => {
  const ROOM = 5000;
  for (const c of cases) {
    it(`a file ${c.name} the room left is ${c.accepted ? 'stored' : 'refused with 413 naming storage; nothing stored'}`, async () => {
      // Documents fill the trial quota but for ROOM bytes next to the files already stored.
      documentsWeigh(plans.trial.storageQuotaBytes - filesWeigh() - ROOM);
      const before = storedFiles();
      const res = await upload(owner.client, owner.slug, pdf(ROOM + c.delta));
      if (c.accepted) {
        expect(res.status).toBe(201);
        expect(storedFiles()).toBe(before + 1);
        return;
      }
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({
        code: ErrorCode.payloadTooLarge,
        limit: RefusedLimit.storage,
      });
      expect(storedFiles()).toBe(before);
    });
  }
});

describe('LIMIT-13 REST upload: one file at, just under and just over the attachment size (MAX_BLOB_BYTES)', () => {
  it('is the size the app refuses first (MAX_ATTACHMENT_BYTES)', () => {
    expect(MAX_BLOB_BYTES).toBe(MAX_ATTACHMENT_BYTES);
  });

  for (const c of cases) {
    it(`a file ${c.name} the size limit is ${c.accepted ? 'stored' : 'refused with 413 naming attachment_size; nothing stored'}`, async () => {
      documentsWeigh(0);
      const before = storedFiles();
      const res = await upload(owner.client, owner.slug, pdf(MAX_BLOB_BYTES + c.delta));
      if (c.accepted) {
        expect(res.status).toBe(201);
        expect(storedFiles()).toBe(before + 1);
        return;
      }
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({
        code: ErrorCode.payloadTooLarge,
        limit: RefusedLimit.attachmentSize,
      });
      expect(storedFiles()).toBe(before);
    }, 60_000);
  }
});

describe('LIMIT-12 a workspace over its storage', () => {
  it('still reads its files and exports: only new content is refused', async () => {
    documentsWeigh(0);
    const res = await upload(owner.client, owner.slug, pdf(2000));
    expect(res.status).toBe(201);
    const { sha256 } = (await res.json()) as { sha256: string };
    documentsWeigh(plans.trial.storageQuotaBytes + 1);
    expect((await upload(owner.client, owner.slug, pdf(100))).status).toBe(413);

    const read = await fetch(
      `${owner.client.baseUrl}/api/workspaces/${owner.slug}/blobs/${sha256}`,
      {
        headers: { cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}` },
      },
    );
    expect(read.status).toBe(200);
    const base = `/api/workspaces/${owner.slug}/exports`;
    expect((await postJson(t.server, owner.client, base)).status).toBe(202);
    await t.server.exports.service.idle();
    const list = await getJson<ExportListResponse>(t.server, owner.client, base);
    expect(list.body.exports[0]).toMatchObject({ state: 'ready', downloadable: true });
  });
});
