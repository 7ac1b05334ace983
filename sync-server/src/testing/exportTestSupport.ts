import http from 'node:http';
import { buffer } from 'node:stream/consumers';
import * as Y from 'yjs';
import yauzl from 'yauzl';
import {
  ChannelDoc,
  docIds,
  NoticeDoc,
  TicketDoc,
  WorkspaceIndex,
  type AttachmentRef,
} from '@desk/model';
import { makeRealisticDesk } from '../../../test/bench/seed/realisticDesk.ts';
import type { RunningServer } from '../createServer.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import type { TestClient } from './authTestServer.ts';

export interface SeededWorkspace {
  /** Every attachment's bytes by SHA-256. */
  readonly files: Map<string, Buffer>;
  readonly tickets: number;
}

/**
 * A workspace as months of use leave it (test/bench/seed/realisticDesk.ts: the hot index,
 * archive shards, ticket docs with descriptions and three comments each), written straight
 * into the server's doc store, plus `attachments` files uploaded through the API and
 * attached to the first tickets, a notice, a channel with messages (one with a link), and
 * the owner's private user doc.
 */
export async function seedRealisticWorkspace(
  server: RunningServer,
  owner: { client: TestClient; slug: string; workspaceId: string; userId: string },
  options: { tickets: number; attachments: number; seed?: number },
): Promise<SeededWorkspace> {
  const ws = owner.workspaceId;
  const files = new Map<string, Buffer>();
  const refs: AttachmentRef[] = [];
  for (let i = 0; i < options.attachments; i += 1) {
    // Plain text (stored as a download) of a few KB, different each time.
    const bytes = Buffer.from(`attachment ${i}\n${'log line with some detail\n'.repeat(100 + i)}`);
    const res = await fetch(`${server.url}/api/workspaces/${owner.slug}/blobs`, {
      method: 'POST',
      headers: {
        origin: owner.client.origin,
        cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        'x-file-name': `log-${i}.txt`,
        'content-type': 'application/octet-stream',
      },
      body: bytes,
    });
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    const stored = (await res.json()) as {
      sha256: string;
      size: number;
      type: string;
      name: string;
    };
    files.set(stored.sha256, bytes);
    refs.push({
      id: `att${i}`,
      ...stored,
      uploadedBy: owner.userId,
      uploadedAt: 1_764_000_000_000 + i,
    });
  }

  const updates: { docId: string; workspaceId: string; update: Uint8Array }[] = [];
  const flush = () => {
    if (updates.length) server.sync.store.append(updates.splice(0));
  };
  const actor = { id: owner.userId, name: 'Ana Owner' };
  let attached = 0;
  const desk = makeRealisticDesk({
    count: options.tickets,
    workspaceId: ws,
    seed: options.seed ?? 7,
    onTicketDoc: (docId, state) => {
      let update = state;
      if (attached < refs.length) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state);
        new TicketDoc(doc).addAttachment(refs[attached]!, actor, 1_764_000_000_000);
        attached += 1;
        update = Y.encodeStateAsUpdate(doc);
        doc.destroy();
      }
      updates.push({ docId, workspaceId: ws, update });
      if (updates.length >= 500) flush();
    },
  });
  const index = new WorkspaceIndex(desk.index);
  index.notices.create('n1', 'Office closed on Friday', actor, 1_764_000_000_000);
  index.channels.create('ch1', 'general', actor, 1_764_000_000_000);
  const notice = new Y.Doc();
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText('We are closed on Friday; urgent tickets go to the on-call agent.')]);
  new NoticeDoc(notice).body.insert(0, [p]);
  const channel = new Y.Doc();
  const messages = new ChannelDoc(channel);
  messages.post(
    { id: 'm1', body: 'Morning! The printer runbook: https://drive.google.com/file/d/abc/view' },
    actor,
    1_764_000_000_000,
  );
  messages.post(
    { id: 'm2', body: 'Internal only: the VPN key rotates tonight.' },
    actor,
    1_764_000_000_001,
  );
  const userDoc = new Y.Doc();
  userDoc.getMap('reads').set('notices', 1);
  updates.push(
    { docId: docIds.index(ws), workspaceId: ws, update: Y.encodeStateAsUpdate(desk.index) },
    { docId: docIds.notice(ws, 'n1'), workspaceId: ws, update: Y.encodeStateAsUpdate(notice) },
    { docId: docIds.channel(ws, 'ch1'), workspaceId: ws, update: Y.encodeStateAsUpdate(channel) },
    {
      docId: docIds.user(ws, owner.userId),
      workspaceId: ws,
      update: Y.encodeStateAsUpdate(userDoc),
    },
    ...[...desk.shards].map(([month, doc]) => ({
      docId: docIds.archive(ws, month),
      workspaceId: ws,
      update: Y.encodeStateAsUpdate(doc),
    })),
  );
  flush();
  return { files, tickets: options.tickets };
}

/**
 * One request on a connection of its own (no keep-alive): after a long wait (an export
 * being built on a loaded machine) a pooled connection may be one the server is just
 * closing, which fails the next request with ECONNRESET.
 */
function send(
  server: RunningServer,
  client: TestClient,
  method: string,
  path: string,
  body?: Buffer,
  contentType = 'application/zip',
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}${path}`,
      {
        method,
        agent: false,
        headers: {
          origin: client.origin,
          cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
          ...(body ? { 'content-type': contentType, 'content-length': body.byteLength } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({ status: response.statusCode ?? 0, headers, bytes: Buffer.concat(chunks) });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** GET with the session cookie, the body as bytes (zips, blobs). */
export function getBytes(
  server: RunningServer,
  client: TestClient,
  path: string,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  return send(server, client, 'GET', path);
}

/** GET with the session cookie on a fresh connection, the body parsed as JSON. */
export async function getJson<T>(
  server: RunningServer,
  client: TestClient,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await send(server, client, 'GET', path);
  return { status: res.status, body: JSON.parse(res.bytes.toString()) as T };
}

/** POST raw bytes (a zip) with the session cookie; the answer parsed as JSON. */
export async function postBytes<T>(
  server: RunningServer,
  client: TestClient,
  path: string,
  bytes: Buffer,
): Promise<{ status: number; body: T }> {
  const res = await send(server, client, 'POST', path, bytes);
  return { status: res.status, body: JSON.parse(res.bytes.toString()) as T };
}

/** POST a JSON body with the session cookie on a fresh connection; the answer as JSON. */
export async function postJson<T>(
  server: RunningServer,
  client: TestClient,
  path: string,
  body: unknown = {},
): Promise<{ status: number; body: T }> {
  const res = await send(
    server,
    client,
    'POST',
    path,
    Buffer.from(JSON.stringify(body)),
    'application/json',
  );
  return { status: res.status, body: JSON.parse(res.bytes.toString()) as T };
}

/** A ready export's zip as the server keeps it (its zip storage), read without the route. */
export async function exportZipBytes(server: RunningServer, exportId: string): Promise<Buffer> {
  const row = await server.services.control.exportJobs.get(exportId);
  if (!row?.zipSha256) throw new Error(`export ${exportId} has no stored zip`);
  return buffer(await server.exports.service.zips.open(row.zipSha256));
}

/** Every file of a zip (an export archive), by name. */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const file = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  for await (const entry of file.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await file.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}
