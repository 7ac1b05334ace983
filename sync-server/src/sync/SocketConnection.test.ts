import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, MessageType, PROTOCOL_VERSION } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import {
  clientFrame,
  docFrame,
  FakeSyncSocket,
  openSyncCore,
  type SyncCore,
} from '../testing/syncCore.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { SocketConnection } from './SocketConnection.ts';
import { SyncConnection } from './SyncConnection.ts';
import { syncStep1Message } from './yMessages.ts';
import { YjsConnection } from './YjsConnection.ts';

// What a socket does the same on both endpoints — heartbeat, backpressure, revocation,
// closing — is SocketConnection's; each case runs on /sync (SyncConnection) and on /yjs
// (YjsConnection), over a fake socket and the real core (SQLite store, rooms, pipeline).
// What differs per endpoint: SyncConnection.test.ts and YjsConnection.test.ts.

const ticket = 'ws1:ticket:t1';

interface Endpoint {
  readonly name: string;
  /** A connection of `userId` with `ticket` subscribed; resolves once the server answered. */
  open(
    core: SyncCore,
    userId: string,
  ): Promise<{ socket: FakeSyncSocket; connection: SocketConnection }>;
}

const endpoints: Endpoint[] = [
  {
    name: '/sync (SyncConnection)',
    async open(core, userId) {
      const socket = new FakeSyncSocket();
      const principal = { userId, sessionId: `s-${userId}`, tokenId: null };
      const connection = new SyncConnection(socket, principal, core.services);
      connection.onMessage(
        clientFrame({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }),
      );
      connection.onMessage(clientFrame({ type: MessageType.subscribe, docId: ticket }));
      connection.onMessage(docFrame(ticket, syncStep1Message(new Y.Doc())));
      await until(
        () => socket.messages().some((m) => m.type === MessageType.doc),
        'the server’s answer to the subscription',
      );
      return { socket, connection };
    },
  },
  {
    name: '/yjs (YjsConnection)',
    async open(core, userId) {
      const socket = new FakeSyncSocket();
      const principal = { userId, sessionId: null, tokenId: `t-${userId}` };
      const connection = new YjsConnection(socket, principal, core.services);
      connection.start(ticket, 'ws1');
      await until(() => socket.frames.length > 0, 'the server’s sync step 1');
      return { socket, connection };
    },
  },
];

describe.each(endpoints)('SocketConnection on $name', (endpoint) => {
  let core: SyncCore;
  beforeEach(() => {
    core = openSyncCore(
      new StaticSyncAuth({
        'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
        'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
      }),
    );
  });
  afterEach(() => core.close());

  it('FLOW-4 pings on every heartbeat and terminates a socket that did not answer the last one', async () => {
    const answering = await endpoint.open(core, 'ana');
    const silent = await endpoint.open(core, 'ben');
    for (const client of [answering, silent]) client.connection.heartbeat();
    answering.connection.onPong();
    for (const client of [answering, silent]) client.connection.heartbeat();
    expect(answering.socket.pings).toBe(2);
    expect(answering.socket.terminated).toBe(false);
    expect(silent.socket.terminated).toBe(true);
    expect(core.forgotten).toEqual([silent.connection]);
  });

  it('FLOW-1 closes with 4429 once what it sends passes maxBufferedBytes in the send buffer', async () => {
    const client = await endpoint.open(core, 'ana');
    client.socket.bufferedAmount = core.limits.maxBufferedBytes;
    client.connection.send(new Uint8Array([1]));
    expect(client.socket.isOpen).toBe(true);
    client.socket.bufferedAmount = core.limits.maxBufferedBytes + 1;
    client.connection.send(new Uint8Array([2]));
    expect(client.socket.closedWith?.code).toBe(CloseCode.slowConsumer);
    expect(core.forgotten).toEqual([client.connection]);
  });

  it('ACCESS-1 closes a revoked principal with 4402 and forgets it', async () => {
    const client = await endpoint.open(core, 'ana');
    client.connection.revoke();
    expect(client.socket.closedWith?.code).toBe(CloseCode.sessionRevoked);
    expect(core.forgotten).toEqual([client.connection]);
  });

  it('knows the workspaces it holds documents of', async () => {
    const client = await endpoint.open(core, 'ana');
    expect(client.connection.hasWorkspace('ws1')).toBe(true);
    expect(client.connection.hasWorkspace('ws2')).toBe(false);
  });

  it('sends nothing once its socket closed, and is forgotten once', async () => {
    const client = await endpoint.open(core, 'ana');
    const sent = client.socket.frames.length;
    client.connection.onClose();
    client.connection.onClose();
    client.connection.send(new Uint8Array([1]));
    client.connection.heartbeat();
    expect(client.socket.frames.length).toBe(sent);
    expect(client.socket.pings).toBe(0);
    expect(core.forgotten).toEqual([client.connection]);
  });
});
