import { Readable } from 'node:stream';
import * as Y from 'yjs';
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

/** GET with the session cookie, the body as bytes (zips, blobs). */
export async function getBytes(
  server: RunningServer,
  client: TestClient,
  path: string,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(server.url + path, {
    headers: { origin: client.origin, cookie: `${SESSION_COOKIE}=${client.sessionToken}` },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** POST raw bytes with the session cookie; the answer parsed as JSON. */
export async function postBytes<T>(
  server: RunningServer,
  client: TestClient,
  path: string,
  bytes: Buffer,
): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: {
      origin: client.origin,
      cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
      'content-type': 'application/zip',
    },
    body: Readable.toWeb(Readable.from([bytes])) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as T };
}
