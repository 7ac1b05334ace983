import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { TicketDoc, WorkspaceIndex } from '@desk/model';
import {
  CloseCode,
  CONTENT_DISABLED_MARKER,
  DocErrorCode,
  MessageType,
  type ModeratedItem,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { MemoryStore, SyncClient, type DocHandle } from '../../../packages/client/src/index.ts';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
import { providerSynced } from '../../../test/support/sync/stockProvider.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import type { StoredDoc } from '../store/DocStore.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { addMember, loginOperator } from '../testing/workspaceTestSupport.ts';
import {
  decide,
  report,
  seedWorkspace,
  type SeededWorkspace,
} from '../testing/moderationTestSupport.ts';

/**
 * Terms §4 (issue 17): a disabled comment or message is not served to members in any path —
 * first sync, catch-up from an older state vector, live broadcast — on /sync, on /yjs and to
 * the app's client; writes into it are refused; re-enabling brings the text back to the
 * app's replica. Each check searches the raw frames a client received for the text.
 */

const FIRST = 'Insulting words here'; // the seeded comment c1
const SECOND = 'A second insult, written later';
const RESTORED = 'Restored insulting words';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
let owner: Awaited<ReturnType<typeof signUp>>;
let agent: { client: TestClient; userId: string };
let seeded: SeededWorkspace;
let token: string;
const sockets: TestSyncClient[] = [];
const providers: WebsocketProvider[] = [];
const clients: SyncClient[] = [];

beforeAll(async () => {
  t = await startAuthTestServer();
  operator = await loginOperator(t);
  owner = await signUp(t);
  agent = await addMember(t, owner.client, owner.slug, 'agent-redact@example.com', 'agent');
  seeded = await seedWorkspace(t, owner);
  const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
    name: 'y-websocket',
    workspaceId: owner.workspaceId,
  });
  expect(created.status).toBe(201);
  token = created.body.token;
});
afterAll(async () => {
  for (const provider of providers) provider.destroy();
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(sockets.map((s) => s.close()));
  await t.close();
});

/** Whether any of the frames holds `text` (UTF-8), anywhere in its bytes. */
const anyHolds = (frames: readonly Uint8Array[], text: string): boolean =>
  frames.some((frame) => Buffer.from(frame).includes(Buffer.from(text, 'utf8')));

/** A `ws` WebSocket that keeps every frame it receives, raw. */
const recordingSocket = (frames: Uint8Array[]) =>
  class RecordingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.on('message', (data: WebSocket.RawData) => {
        const parts = Array.isArray(data) ? data : [data];
        for (const part of parts) {
          frames.push(part instanceof ArrayBuffer ? new Uint8Array(part) : Uint8Array.from(part));
        }
      });
    }
  };

const connect = async () => {
  const socket = await TestSyncClient.connect(t.server.url, {
    origin: TEST_PUBLIC_URL,
    cookie: `${SESSION_COOKIE}=${agent.client.sessionToken}`,
  });
  sockets.push(socket);
  return socket;
};

/** The payloads of the doc frames `socket` received for `docId` (from message `from` on). */
const docPayloads = (socket: TestSyncClient, docId: string, from = 0): Uint8Array[] =>
  socket.messages.slice(from).flatMap((m) => {
    if (m.type === MessageType.doc && m.docId === docId) return [m.payload];
    // Pieces of a chunked answer (none for documents this small, but never skipped).
    if (m.type === MessageType.docChunk && m.docId === docId) return [m.bytes];
    return [];
  });

/** A stock y-websocket provider on /yjs that records its raw frames. */
const stockProvider = (docId: string, doc = new Y.Doc()) => {
  const frames: Uint8Array[] = [];
  const p = new WebsocketProvider(`${t.server.url.replace('http', 'ws')}/yjs`, docId, doc, {
    WebSocketPolyfill: recordingSocket(frames) as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  providers.push(p);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    p.on('connection-close', (event: CloseEvent | null) =>
      resolve({ code: event?.code ?? 0, reason: event?.reason ?? '' }),
    ),
  );
  return { p, frames, closed };
};

/** The app's sync client, recording its raw frames. */
const appClient = () => {
  const frames: Uint8Array[] = [];
  const client = new SyncClient({
    url: `${t.server.url.replace(/^http/, 'ws')}/sync?token=${token}`,
    WebSocket: recordingSocket(frames) as never,
    store: new MemoryStore(),
    backoff: { baseMs: 50, maxMs: 200, minMs: 10 },
  });
  clients.push(client);
  return { client, frames };
};

const stored = (docId: string): Buffer => {
  const doc = t.server.services.docStore.load(docId) as StoredDoc;
  return Buffer.concat([doc.state ?? Buffer.alloc(0), ...doc.log]);
};

/** A server-side change of the ticket doc (as a restore would write it). */
const serverEdit = async (docId: string, edit: (doc: Y.Doc) => void) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
  const before = Y.encodeStateVector(doc);
  edit(doc);
  await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc, before));
};

const bodyOf = (doc: Y.Doc, commentId: string) => new TicketDoc(doc).getComment(commentId)?.body;

const disable = async (item: ModeratedItem, reason: string) => {
  const caseId = (await report(agent.client, owner.slug, item)).body.report.caseId;
  await decide(operator.client, caseId, 'disable', reason);
  return caseId;
};

describe('MOD-7 a disabled comment is served redacted', () => {
  const owner_ = { id: 'owner', name: 'Owner' };
  let firstCase: string;
  let olderReplica: Y.Doc;
  let storedAfterDisable: Buffer;
  let live: TestSyncClient;
  let app: { client: SyncClient; frames: Uint8Array[]; handle: DocHandle };
  let stock: ReturnType<typeof stockProvider>;

  beforeAll(async () => {
    // A replica synced before the second comment exists: its state vector is older.
    const early = await connect();
    olderReplica = early.subscribe(seeded.ticketDoc);
    await early.synced(seeded.ticketDoc);
    await early.close();
    await serverEdit(seeded.ticketDoc, (doc) =>
      new TicketDoc(doc).addComment({ id: 'c5', kind: 'note', body: SECOND }, owner_, 5),
    );
    firstCase = await disable(
      { kind: 'comment', docId: seeded.ticketDoc, itemId: seeded.commentId },
      'Insults',
    );
    await disable({ kind: 'comment', docId: seeded.ticketDoc, itemId: 'c5' }, 'Insults again');
    storedAfterDisable = stored(seeded.ticketDoc);
  });

  it('first sync: /sync, /yjs and the app client get the entry without its text', async () => {
    live = await connect();
    const doc = live.subscribe(seeded.ticketDoc);
    await live.synced(seeded.ticketDoc);
    const payloads = docPayloads(live, seeded.ticketDoc);
    expect(anyHolds(payloads, FIRST) || anyHolds(payloads, SECOND)).toBe(false);
    expect(bodyOf(doc, 'c1')).toBe(CONTENT_DISABLED_MARKER);
    expect(bodyOf(doc, 'c5')).toBe(CONTENT_DISABLED_MARKER);
    // The rest of the ticket is served as it is.
    expect(anyHolds(payloads, 'The printer in room 4 is smoking.')).toBe(true);

    stock = stockProvider(seeded.ticketDoc);
    await providerSynced(stock.p);
    expect(anyHolds(stock.frames, FIRST) || anyHolds(stock.frames, SECOND)).toBe(false);
    expect(bodyOf(stock.p.doc, 'c1')).toBe(CONTENT_DISABLED_MARKER);

    const { client, frames } = appClient();
    const handle = client.open(seeded.ticketDoc);
    await handle.whenSynced;
    app = { client, frames, handle };
    expect(anyHolds(frames, FIRST) || anyHolds(frames, SECOND)).toBe(false);
    expect(bodyOf(handle.doc, 'c1')).toBe(CONTENT_DISABLED_MARKER);
    expect(stored(seeded.ticketDoc).equals(storedAfterDisable)).toBe(true);
  });

  it('catch-up from an older state vector is built from the redacted state, not the log', async () => {
    const socket = await connect();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(olderReplica));
    expect(bodyOf(doc, 'c5')).toBeUndefined();
    socket.subscribe(seeded.ticketDoc, doc);
    await socket.synced(seeded.ticketDoc);
    expect(anyHolds(docPayloads(socket, seeded.ticketDoc), SECOND)).toBe(false);
    expect(bodyOf(doc, 'c5')).toBe(CONTENT_DISABLED_MARKER);
    expect(stored(seeded.ticketDoc).equals(storedAfterDisable)).toBe(true);
  });

  it('a member’s write into the disabled comment is refused: /sync content_disabled, /yjs 4452', async () => {
    const writer = await connect();
    const doc = writer.subscribe(seeded.ticketDoc);
    await writer.synced(seeded.ticketDoc);
    const from = writer.messages.length;
    doc.getMap<Y.Map<unknown>>('comments').get('c1')!.set('body', 'my own words');
    const refusal = await writer.waitFor(
      (m) => m.type === MessageType.docError && m.docId === seeded.ticketDoc,
      from,
    );
    expect(refusal).toMatchObject({ code: DocErrorCode.contentDisabled });

    const stockWriter = stockProvider(seeded.ticketDoc);
    await providerSynced(stockWriter.p);
    stockWriter.p.doc.getMap<Y.Map<unknown>>('comments').get('c5')!.set('body', 'mine');
    expect((await stockWriter.closed).code).toBe(CloseCode.contentDisabled);
    expect(stored(seeded.ticketDoc).equals(storedAfterDisable)).toBe(true);
  });

  it('live: text written into the disabled comment reaches connected members redacted', async () => {
    const from = live.messages.length;
    const stockFrom = stock.frames.length;
    const appFrom = app.frames.length;
    await serverEdit(seeded.ticketDoc, (doc) =>
      new TicketDoc(doc).editComment('c1', RESTORED, { id: owner.userId, name: 'Owner' }, 9),
    );
    const editedAt = (doc: Y.Doc) => new TicketDoc(doc).getComment('c1')?.editedAt;
    await live.until(() => editedAt(live.docs.get(seeded.ticketDoc)!.doc) === 9);
    await until(() => editedAt(stock.p.doc) === 9, 'stock provider got the edit');
    await until(() => editedAt(app.handle.doc) === 9, 'app client got the edit');
    expect(anyHolds(docPayloads(live, seeded.ticketDoc, from), RESTORED)).toBe(false);
    expect(anyHolds(stock.frames.slice(stockFrom), RESTORED)).toBe(false);
    expect(anyHolds(app.frames.slice(appFrom), RESTORED)).toBe(false);
    expect(bodyOf(app.handle.doc, 'c1')).toBe(CONTENT_DISABLED_MARKER);
  });

  it('re-enabling: the app client’s replica gets the real text again; the other stays hidden', async () => {
    await decide(operator.client, firstCase, 'enable', 'Reviewed');
    await until(() => bodyOf(app.handle.doc, 'c1') === RESTORED, 'replica refetched');
    expect(bodyOf(app.handle.doc, 'c5')).toBe(CONTENT_DISABLED_MARKER);
    // Nothing of ours was refused: no draft, no error.
    expect(app.handle.status.error ?? null).toBeNull();
    expect(app.handle.refused).toEqual([]);
  });
});

describe('MOD-7 the index row of a disabled ticket', () => {
  it('is served without its title to members, and with it again once re-enabled', async () => {
    const { client, frames } = appClient();
    const handle = client.open(`${owner.workspaceId}:index`);
    await handle.whenSynced;
    const titleOf = () => new WorkspaceIndex(handle.doc).tickets.get('tk2')?.title;
    expect(titleOf()).toBe('Password reset');

    const caseId = await disable({ kind: 'ticket', docId: seeded.otherTicketDoc }, 'Spam');
    const socket = await connect();
    const doc = socket.subscribe(`${owner.workspaceId}:index`);
    await socket.synced(`${owner.workspaceId}:index`);
    expect(anyHolds(docPayloads(socket, `${owner.workspaceId}:index`), 'Password reset')).toBe(
      false,
    );
    const row = new WorkspaceIndex(doc).tickets.get('tk2')!;
    expect([row.title, row.number]).toEqual([CONTENT_DISABLED_MARKER, 2]);
    expect(new WorkspaceIndex(doc).tickets.get('tk1')!.title).toBe('Printer on fire');

    // A replica that already held the row keeps it (the app hides it); a fresh one does not.
    const fresh = appClient();
    const freshHandle = fresh.client.open(`${owner.workspaceId}:index`);
    await freshHandle.whenSynced;
    expect(anyHolds(fresh.frames, 'Password reset')).toBe(false);

    await decide(operator.client, caseId, 'enable', 'Not spam');
    await until(
      () => new WorkspaceIndex(freshHandle.doc).tickets.get('tk2')?.title === 'Password reset',
      'index refetched',
    );
    expect(anyHolds(frames, 'Password reset')).toBe(true);
  });
});
