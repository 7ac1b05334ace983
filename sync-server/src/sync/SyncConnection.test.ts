import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  CloseCode,
  DocAccess,
  DocErrorCode,
  MessageType,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import {
  clientFrame,
  docFrame,
  FakeSyncSocket,
  openSyncCore,
  type SyncCore,
} from '../testing/syncCore.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { SyncLimits } from './SyncLimits.ts';
import { SyncConnection } from './SyncConnection.ts';
import { syncStep1Message, updateMessage } from './yMessages.ts';

// The connection of the multiplexed endpoint, over a fake socket and the real core (SQLite
// store, rooms, write pipeline). The same paths over real sockets: test/system/sync.

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const ticket = 'ws1:ticket:t1';

describe('SyncConnection', () => {
  let auth: StaticSyncAuth;
  let core: SyncCore | null;

  beforeEach(() => {
    auth = new StaticSyncAuth({
      'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
      'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
    });
    core = null;
  });
  afterEach(() => core?.close());

  const start = (limits: Partial<SyncLimits> = {}): SyncCore => (core = openSyncCore(auth, limits));

  /** A connection of `userId`, welcomed unless `hello` is null. */
  const connect = (userId = 'ana', hello: number | null = PROTOCOL_VERSION) => {
    const socket = new FakeSyncSocket();
    const principal = { userId, sessionId: `s-${userId}`, tokenId: null };
    const connection = new SyncConnection(socket, principal, core!.services);
    if (hello !== null) {
      connection.onMessage(clientFrame({ type: MessageType.hello, protocolVersion: hello }));
    }
    const of = <T extends ServerMessage['type']>(type: T): Of<T>[] =>
      socket.messages().filter((m): m is Of<T> => m.type === type);
    return { socket, connection, of };
  };
  type Client = ReturnType<typeof connect>;

  /** Subscribes to `docId` with `doc`'s state vector; resolves once the server's step 1 came. */
  const subscribe = async (client: Client, docId = ticket, doc = new Y.Doc()) => {
    const docFrames = () => client.of(MessageType.doc).filter((m) => m.docId === docId).length;
    const before = docFrames();
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId }));
    client.connection.onMessage(docFrame(docId, syncStep1Message(doc)));
    await until(() => docFrames() > before, `the server's sync step 1 for ${docId}`);
  };

  /** Writes `text` into a fresh doc and sends the update; returns the update. */
  const write = (client: Client, text: string, docId = ticket): Uint8Array => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    const update = Y.encodeStateAsUpdate(doc);
    client.connection.onMessage(docFrame(docId, updateMessage(update)));
    return update;
  };

  const acked = (client: Client, docId = ticket) =>
    client.of(MessageType.ack).reduce((sum, m) => sum + (m.docId === docId ? m.count : 0), 0);

  const storedText = (docId = ticket) => {
    const doc = new Y.Doc();
    for (const update of core!.store.load(docId)?.log ?? []) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  };

  it('CONN-1 closes with 4400 when the first frame is not hello, telling why first', () => {
    start();
    const client = connect('ana', null);
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: ticket }));
    expect(client.socket.closedWith?.code).toBe(CloseCode.malformedFrame);
    expect(client.socket.messages()).toEqual([
      expect.objectContaining({ type: MessageType.error, code: CloseCode.malformedFrame }),
    ]);
  });

  it('CONN-1 closes with 4409 on a protocol version outside the range it speaks', () => {
    start();
    for (const version of [MIN_PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1]) {
      const client = connect('ana', version);
      expect(client.socket.closedWith?.code).toBe(CloseCode.protocolVersion);
      expect(client.of(MessageType.error)[0]?.code).toBe(CloseCode.protocolVersion);
      expect(client.of(MessageType.welcome)).toEqual([]);
    }
  });

  it("CONN-2 welcomes a client in its own version, with the store's generation and its user id", () => {
    start();
    const client = connect('ana', MIN_PROTOCOL_VERSION);
    expect(client.socket.messages()).toEqual([
      {
        type: MessageType.welcome,
        protocolVersion: MIN_PROTOCOL_VERSION,
        generation: core!.store.generation(),
        userId: 'ana',
      },
    ]);
    expect(client.connection.protocolVersion).toBe(MIN_PROTOCOL_VERSION);
  });

  it('FLOW-2 answers a ping at once with a pong carrying its nonce, and stays open', () => {
    start();
    const client = connect();
    client.connection.onMessage(clientFrame({ type: MessageType.ping, nonce: 4242 }));
    expect(client.of(MessageType.pong)).toEqual([{ type: MessageType.pong, nonce: 4242 }]);
    expect(client.socket.isOpen).toBe(true);
  });

  it('LIMIT-1 takes a frame at maxMessageBytes and closes with 4413 on one byte more', () => {
    start({ maxMessageBytes: 64 });
    const client = connect();
    const frameOf = (bytes: number) => {
      const overhead = docFrame('ws1:ticket:x', new Uint8Array(1)).byteLength - 1;
      return docFrame('ws1:ticket:x', new Uint8Array(bytes - overhead));
    };
    // A doc frame for a doc it is not subscribed to: taken and ignored.
    client.connection.onMessage(frameOf(64));
    expect(client.socket.isOpen).toBe(true);
    client.connection.onMessage(frameOf(65));
    expect(client.socket.closedWith?.code).toBe(CloseCode.messageTooLarge);
  });

  it('SUB-1 refuses an invalid doc id and a doc past maxDocsPerSocket, and keeps the socket', async () => {
    start({ maxDocsPerSocket: 1 });
    const client = connect();
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: 'nope' }));
    await subscribe(client, 'ws1:ticket:a');
    client.connection.onMessage(
      clientFrame({ type: MessageType.subscribe, docId: 'ws1:ticket:b' }),
    );
    expect(client.of(MessageType.docError).map((m) => [m.docId, m.code])).toEqual([
      ['nope', DocErrorCode.invalidDocId],
      ['ws1:ticket:b', DocErrorCode.tooManyDocs],
    ]);
    expect(client.socket.isOpen).toBe(true);
  });

  it("SUB-1 refuses a workspace the user is not in, and another member's private doc, with not_member", async () => {
    start();
    const client = connect();
    for (const docId of ['ws2:index', 'ws1:user:ben']) {
      client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId }));
    }
    await until(() => client.of(MessageType.docError).length === 2, 'both refusals');
    expect(
      client
        .of(MessageType.docError)
        .map((m) => [m.docId, m.code])
        .sort(),
    ).toEqual([
      ['ws1:user:ben', DocErrorCode.notMember],
      ['ws2:index', DocErrorCode.notMember],
    ]);
    await subscribe(client, 'ws1:user:ana');
    expect(client.of(MessageType.subscribed).map((m) => m.docId)).toEqual(['ws1:user:ana']);
  });

  it('WRITE-1 WRITE-3 WRITE-4 stores an update, acks it, and forwards it to the others, never back', async () => {
    start();
    const ana = connect('ana');
    const ben = connect('ben');
    await subscribe(ana);
    await subscribe(ben);
    const framesOfAna = ana.of(MessageType.doc).length;
    const update = write(ana, 'hello');
    await until(() => acked(ana) === 1, 'the ack');
    expect(storedText()).toBe('hello');
    await until(() => ben.of(MessageType.doc).length > 1, 'the forwarded update');
    expect(ben.of(MessageType.doc).at(-1)?.payload).toEqual(updateMessage(update));
    expect(ana.of(MessageType.doc).length).toBe(framesOfAna);
  });

  it('CONN-4 answers frames queued during authorization in order once it arrives', async () => {
    start();
    const release = auth.hold();
    const client = connect();
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: ticket }));
    client.connection.onMessage(docFrame(ticket, syncStep1Message(new Y.Doc())));
    write(client, 'one');
    write(client, 'two');
    expect(client.of(MessageType.subscribed)).toEqual([]);
    release();
    await until(() => acked(client) === 2, 'both acks');
    const order = client.socket.messages().map((m) => m.type);
    expect(order.indexOf(MessageType.subscribed)).toBeLessThan(order.indexOf(MessageType.ack));
    expect(storedText()).toMatch(/^(onetwo|twoone)$/);
  });

  it('CONN-4 closes with 4408 once more frames wait for authorization than pendingMaxFrames', () => {
    start({ pendingMaxFrames: 2 });
    auth.hold();
    const client = connect();
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: ticket }));
    write(client, 'one');
    write(client, 'two');
    expect(client.socket.isOpen).toBe(true);
    write(client, 'three');
    expect(client.socket.closedWith?.code).toBe(CloseCode.authQueueExceeded);
  });

  it('CONN-4 closes with 4408 when authorization does not come before the deadline', async () => {
    start({ pendingDeadlineMs: 0 });
    auth.hold();
    const client = connect();
    client.connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: ticket }));
    await until(() => client.socket.closedWith !== null, 'the close');
    expect(client.socket.closedWith?.code).toBe(CloseCode.authQueueExceeded);
    expect(core!.forgotten).toEqual([client.connection]);
  });

  it('FLOW-1 closes with 4429, without an error frame, once the send buffer passes maxBufferedBytes', () => {
    start();
    const client = connect();
    client.socket.bufferedAmount = core!.limits.maxBufferedBytes;
    client.connection.onMessage(clientFrame({ type: MessageType.ping, nonce: 1 }));
    expect(client.socket.isOpen).toBe(true);
    client.socket.bufferedAmount = core!.limits.maxBufferedBytes + 1;
    client.connection.onMessage(clientFrame({ type: MessageType.ping, nonce: 2 }));
    expect(client.socket.closedWith?.code).toBe(CloseCode.slowConsumer);
    expect(client.of(MessageType.error)).toEqual([]);
  });

  it('FLOW-4 pings on every heartbeat and terminates a socket that did not answer the last one', () => {
    start();
    const answering = connect('ana');
    const silent = connect('ben');
    for (const client of [answering, silent]) client.connection.heartbeat();
    answering.connection.onPong();
    for (const client of [answering, silent]) client.connection.heartbeat();
    expect(answering.socket.pings).toBe(2);
    expect(answering.socket.terminated).toBe(false);
    expect(silent.socket.terminated).toBe(true);
    expect(core!.forgotten).toEqual([silent.connection]);
  });

  it('ACCESS-1 closes a revoked principal with 4402, telling why first', () => {
    start();
    const client = connect();
    client.connection.revoke();
    expect(client.socket.closedWith?.code).toBe(CloseCode.sessionRevoked);
    expect(client.of(MessageType.error)[0]?.code).toBe(CloseCode.sessionRevoked);
  });

  it('ACCESS-2 ends the subscriptions of a workspace whose membership was removed with access_revoked', async () => {
    start();
    const client = connect();
    await subscribe(client);
    auth.setGrant('ana', 'ws1', null);
    await client.connection.reauthorize('ws1');
    expect(client.of(MessageType.docError)).toEqual([
      expect.objectContaining({ docId: ticket, code: DocErrorCode.accessRevoked }),
    ]);
    expect(client.socket.isOpen).toBe(true);
    // The subscription is gone: frames still sent for the doc are ignored.
    const frames = client.socket.frames.length;
    write(client, 'after removal');
    expect(client.socket.frames.length).toBe(frames);
    expect(storedText()).toBe('');
  });

  it('ACCESS-3 SUB-5 announces a workspace turned read-only with a second subscribed and the reason, then refuses writes', async () => {
    start();
    const client = connect();
    await subscribe(client);
    auth.setGrant('ana', 'ws1', 'workspace_read_only');
    await client.connection.reauthorize('ws1');
    expect(client.of(MessageType.subscribed).map((m) => m.access)).toEqual([
      DocAccess.write,
      DocAccess.read,
    ]);
    expect(client.of(MessageType.docError).map((m) => m.code)).toEqual([
      DocErrorCode.workspaceReadOnly,
    ]);
    write(client, 'refused');
    await until(() => client.of(MessageType.docError).length === 2, 'the refusal');
    expect(client.of(MessageType.docError)[1]?.code).toBe(DocErrorCode.workspaceReadOnly);
    expect(storedText()).toBe('');
  });

  it('SUB-4 sends nothing of a doc after unsubscribe and ignores frames still in flight for it', async () => {
    start();
    const ana = connect('ana');
    const ben = connect('ben');
    await subscribe(ana);
    await subscribe(ben);
    ben.connection.onMessage(clientFrame({ type: MessageType.unsubscribe, docId: ticket }));
    const framesOfBen = ben.socket.frames.length;
    write(ben, 'in flight');
    write(ana, 'after');
    await until(() => acked(ana) === 1, "ana's ack");
    expect(ben.socket.frames.length).toBe(framesOfBen);
    expect(storedText()).toBe('after');
  });

  it('SUB-6 answers a catch-up with the docs changed since a sequence, or a full exchange for another generation', async () => {
    start();
    const client = connect();
    const since = core!.store.workspaceSeq('ws1');
    await subscribe(client);
    write(client, 'changed');
    await until(() => acked(client) === 1, 'the ack');
    const generation = core!.store.generation();
    const ask = (asked: string) =>
      client.connection.onMessage(
        clientFrame({
          type: MessageType.catchUp,
          workspaceId: 'ws1',
          sinceSeq: since,
          generation: asked,
        }),
      );
    ask(generation);
    ask('restored-elsewhere');
    await until(() => client.of(MessageType.catchUpResult).length === 2, 'both answers');
    const [same, other] = client.of(MessageType.catchUpResult);
    expect(same).toMatchObject({ generation, full: false, seq: core!.store.workspaceSeq('ws1') });
    expect(same?.changed.map((c) => c.docId)).toEqual([ticket]);
    expect(other).toMatchObject({ generation, full: true, changed: [] });
  });

  it('SUB-6 refuses a catch-up for a workspace the user is not in with a docError naming it', async () => {
    start();
    const client = connect();
    client.connection.onMessage(
      clientFrame({ type: MessageType.catchUp, workspaceId: 'ws2', sinceSeq: 0, generation: '' }),
    );
    await until(() => client.of(MessageType.docError).length === 1, 'the refusal');
    expect(client.of(MessageType.docError)[0]).toMatchObject({
      docId: 'ws2',
      code: DocErrorCode.notMember,
    });
  });
});
