import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  CloseCode,
  DocErrorCode,
  MessageType,
  type DisabledItemsMessage,
  type ServerMessage,
} from '@desk/protocol';
import { MemoryStore, SyncClient } from '../../../packages/client/src/index.ts';
import { until } from '@desk/protocol/testing';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
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

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
let owner: Awaited<ReturnType<typeof signUp>>;
let agent: { client: TestClient; userId: string };
let seeded: SeededWorkspace;
let token: string;
const sockets: TestSyncClient[] = [];
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  t = await startAuthTestServer();
  operator = await loginOperator(t);
  owner = await signUp(t);
  agent = await addMember(t, owner.client, owner.slug, 'agent-sync@example.com', 'agent');
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
  await Promise.all(sockets.map((s) => s.close()));
  await t.close();
});

const connect = async (client: TestClient, protocolVersion?: number) => {
  const socket = await TestSyncClient.connect(t.server.url, {
    origin: TEST_PUBLIC_URL,
    cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
    ...(protocolVersion === undefined ? {} : { protocolVersion }),
  });
  sockets.push(socket);
  return socket;
};

/** The subscription's answer: `subscribed`, or the docError's code and message. */
const answerTo = async (socket: TestSyncClient, docId: string) => {
  const from = socket.messages.length;
  socket.subscribe(docId);
  const answer = await socket.waitFor(
    (m) =>
      (m.type === MessageType.subscribed || m.type === MessageType.docError) && m.docId === docId,
    from,
  );
  return answer.type === MessageType.docError
    ? { code: answer.code, message: answer.message }
    : { code: 'subscribed' as const };
};

const listsOf = (socket: TestSyncClient) =>
  socket.messages
    .filter((m): m is DisabledItemsMessage => m.type === MessageType.disabledItems)
    .map((m) => m.items.map((i) => i.itemKey));

/** A stock y-websocket provider on /yjs; resolves its closes as they come. */
const provider = (docId: string) => {
  const closes: { code: number; reason: string }[] = [];
  const p = new WebsocketProvider(`${t.server.url.replace('http', 'ws')}/yjs`, docId, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  p.on('connection-close', (event: CloseEvent | null) =>
    closes.push({ code: event?.code ?? 0, reason: event?.reason ?? '' }),
  );
  providers.push(p);
  const synced = new Promise<void>((resolve) => p.once('sync', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    p.on('connection-close', (event: CloseEvent | null) =>
      resolve({ code: event?.code ?? 0, reason: event?.reason ?? '' }),
    ),
  );
  return { p, closes, synced, closed };
};

/** The stored document as the store holds it: state and log, byte for byte. */
const stored = (docId: string): Buffer => {
  const doc = t.server.services.docStore.load(docId) as StoredDoc;
  return Buffer.concat([doc.state ?? Buffer.alloc(0), ...doc.log]);
};

const blob = (client: TestClient, sha256: string, suffix = '') =>
  fetch(`${client.baseUrl}/api/workspaces/${owner.slug}/blobs/${sha256}${suffix}`, {
    headers: { cookie: `${SESSION_COOKIE}=${client.sessionToken}`, origin: client.origin },
  });

describe('MOD-4 disabling a whole document', () => {
  let caseId: string;
  let before: { ticket: Buffer; other: Buffer };

  it('ends live /sync subscribers with content_disabled, closes /yjs with 4452, and pushes the list', async () => {
    before = { ticket: stored(seeded.ticketDoc), other: stored(seeded.otherTicketDoc) };
    const live = await connect(agent.client);
    expect(await answerTo(live, seeded.ticketDoc)).toEqual({ code: 'subscribed' });
    await live.synced(seeded.ticketDoc);
    // The list comes with the connection's first subscription in the workspace: empty now.
    expect(listsOf(live)).toEqual([[]]);
    const old = await connect(agent.client, 3);
    expect(await answerTo(old, seeded.ticketDoc)).toEqual({ code: 'subscribed' });
    const stock = provider(seeded.ticketDoc);
    await stock.synced;

    caseId = (await report(agent.client, owner.slug, { kind: 'ticket', docId: seeded.ticketDoc }))
      .body.report.caseId;
    const from = live.messages.length;
    await decide(operator.client, caseId, 'disable', 'Harassment of a customer');

    const refusal = await live.waitFor(
      (m) => m.type === MessageType.docError && m.docId === seeded.ticketDoc,
      from,
    );
    expect(refusal).toMatchObject({
      code: DocErrorCode.contentDisabled,
      message: 'Harassment of a customer',
    });
    await live.until(() => listsOf(live).length === 2);
    expect(listsOf(live)[1]).toEqual([`doc:${seeded.ticketDoc}`]);
    // Protocol 3 does not know the code: access_revoked, with the same words; no list.
    const oldRefusal = await old.waitFor(
      (m) => m.type === MessageType.docError && m.docId === seeded.ticketDoc,
    );
    expect(oldRefusal).toMatchObject({ code: DocErrorCode.accessRevoked });
    expect(listsOf(old)).toEqual([]);
    expect(await stock.closed).toEqual({
      code: CloseCode.contentDisabled,
      reason: 'content_disabled: Harassment of a customer',
    });
    // 44xx: the stock provider does not reconnect on its own.
    expect(stock.p.shouldConnect).toBe(false);
  });

  it('refuses a new subscribe and a new /yjs provider; other documents are served', async () => {
    const fresh = await connect(agent.client);
    expect(await answerTo(fresh, seeded.ticketDoc)).toEqual({
      code: DocErrorCode.contentDisabled,
      message: 'Harassment of a customer',
    });
    expect(listsOf(fresh)).toEqual([[`doc:${seeded.ticketDoc}`]]);
    expect(await answerTo(fresh, seeded.otherTicketDoc)).toEqual({ code: 'subscribed' });
    const stock = provider(seeded.ticketDoc);
    expect((await stock.closed).code).toBe(CloseCode.contentDisabled);
  });

  it('a write cannot reach the disabled document: nothing of it is stored', async () => {
    const writer = await connect(owner.client);
    const doc = new Y.Doc();
    expect(await answerTo(writer, seeded.ticketDoc)).toMatchObject({
      code: DocErrorCode.contentDisabled,
    });
    // Frames sent for it after the refusal are not applied: there is no subscription.
    doc.getText('x').insert(0, 'sneaked in');
    writer.sendDoc(seeded.ticketDoc, Y.encodeStateAsUpdate(doc));
    expect(await answerTo(writer, seeded.otherTicketDoc)).toEqual({ code: 'subscribed' });
    expect(stored(seeded.ticketDoc).equals(before.ticket)).toBe(true);
  });

  it('re-enabling serves it again, the stored bytes exactly as before', async () => {
    const live = await connect(agent.client);
    expect(await answerTo(live, seeded.otherTicketDoc)).toEqual({ code: 'subscribed' });
    await decide(operator.client, caseId, 'enable', 'Reviewed: no violation');
    await live.until(() => listsOf(live).length === 2);
    expect(listsOf(live)).toEqual([[`doc:${seeded.ticketDoc}`], []]);
    expect(await answerTo(live, seeded.ticketDoc)).toEqual({ code: 'subscribed' });
    await live.synced(seeded.ticketDoc);
    const served = live.docs.get(seeded.ticketDoc)!.doc;
    expect(served.getMap('comments').size).toBe(1);
    const stock = provider(seeded.ticketDoc);
    await stock.synced;
    expect(stored(seeded.ticketDoc).equals(before.ticket)).toBe(true);
    expect(stored(seeded.otherTicketDoc).equals(before.other)).toBe(true);
  });
});

describe('MOD-5 disabling an attachment', () => {
  it('answers 451 with the reason for the file and its thumbnail, then serves the same bytes again', async () => {
    const { sha256, bytes } = seeded.blob;
    expect((await blob(agent.client, sha256)).status).toBe(200);
    const caseId = (
      await report(agent.client, owner.slug, { kind: 'attachment', blobId: sha256 }, 'privacy')
    ).body.report.caseId;
    await decide(operator.client, caseId, 'disable', 'Personal data of a third party');
    for (const suffix of ['', '/thumbnail', '?download=1']) {
      const refused = await blob(agent.client, sha256, suffix);
      expect(refused.status).toBe(451);
      expect(await refused.json()).toEqual({
        error: {
          code: 'content_disabled',
          message: 'Access to this content has been disabled — Personal data of a third party',
          reason: 'Personal data of a third party',
        },
      });
    }
    // The operator still opens it from the case (the bytes are kept as they were).
    const kept = await operator.client.getText(`/api/operator/cases/${caseId}/file`);
    expect(kept.body).toBe(new TextDecoder().decode(bytes));
    await decide(operator.client, caseId, 'enable', 'Consent shown');
    const back = await blob(agent.client, sha256);
    expect(back.status).toBe(200);
    expect(Buffer.from(await back.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('MOD-7 disabling an entry of a document', () => {
  it('keeps serving the containing document and lists the entry for clients to hide', async () => {
    const live = await connect(agent.client);
    expect(await answerTo(live, seeded.channelDoc)).toEqual({ code: 'subscribed' });
    const caseId = (
      await report(agent.client, owner.slug, {
        kind: 'message',
        docId: seeded.channelDoc,
        itemId: seeded.messageId,
      })
    ).body.report.caseId;
    const from = live.messages.length;
    await decide(operator.client, caseId, 'disable', 'Propaganda');
    const pushed = (await live.waitFor(
      (m: ServerMessage) => m.type === MessageType.disabledItems,
      from,
    )) as DisabledItemsMessage;
    expect(pushed.items).toEqual([
      { itemKey: `doc:${seeded.channelDoc}#${seeded.messageId}`, reason: 'Propaganda' },
    ]);
    // The channel is still subscribed (no docError for it).
    expect(
      live.messages
        .slice(from)
        .some((m) => m.type === MessageType.docError && m.docId === seeded.channelDoc),
    ).toBe(false);
    await decide(operator.client, caseId, 'enable', 'Reviewed');
  });
});

describe('MOD-4 MOD-7 the app’s sync client', () => {
  it('hears the list, blocks a disabled document, and subscribes again once it is re-enabled', async () => {
    const client = new SyncClient({
      url: `${t.server.url.replace(/^http/, 'ws')}/sync?token=${token}`,
      WebSocket: WebSocket as never,
      store: new MemoryStore(),
      backoff: { baseMs: 50, maxMs: 200, minMs: 10 },
    });
    try {
      const lists: string[][] = [];
      client.onDisabledItems((m) => lists.push(m.items.map((i) => i.itemKey)));
      const handle = client.open(seeded.ticketDoc);
      await handle.whenSynced;
      expect(lists).toEqual([[]]);
      const caseId = (
        await report(agent.client, owner.slug, { kind: 'ticket', docId: seeded.ticketDoc })
      ).body.report.caseId;
      await decide(operator.client, caseId, 'disable', 'Under review');
      await until(() => handle.status.error?.code === DocErrorCode.contentDisabled, 'blocked');
      expect(handle.status.error?.message).toBe('Under review');
      await until(() => lists.length === 2, 'list pushed');
      expect(lists[1]).toEqual([`doc:${seeded.ticketDoc}`]);
      await decide(operator.client, caseId, 'enable', 'Cleared');
      await until(() => handle.status.kind === 'synced', 'served again');
      expect(lists.at(-1)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
