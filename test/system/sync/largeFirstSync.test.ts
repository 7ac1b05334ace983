import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CloseCode, MessageType } from '@desk/protocol';
import type { SyncLimits } from '../../../sync-server/src/sync/SyncLimits.ts';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
} as const;

/** Far below the document's size: one frame of it would be a slow consumer. */
const limits: Partial<SyncLimits> = {
  maxBufferedBytes: 256 * 1024,
  catchUpChunkBytes: 64 * 1024,
};

/** Whether two docs hold the same state (byte comparison; toEqual is slow on megabytes). */
function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.compare(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)) === 0;
}

/** A document of about `mib` MiB in many entries (a workspace index grows like this). */
function bigDoc(mib: number): Y.Doc {
  const doc = new Y.Doc();
  const rows = doc.getMap<string>('rows');
  let seed = 7;
  const letter = () =>
    String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26));
  doc.transact(() => {
    for (let i = 0; i < mib * 128; i++)
      rows.set(`r${i}`, Array.from({ length: 8192 }, letter).join(''));
  });
  return doc;
}

describe('a first sync larger than the send-buffer limit', () => {
  let t: SyncTestServer;
  const clients: TestSyncClient[] = [];
  const providers: WebsocketProvider[] = [];

  const seeded = async (docId: string, mib: number) => {
    t = await startSyncServer(users, limits);
    const doc = bigDoc(mib);
    await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc));
    return doc;
  };
  const connect = async (options: Parameters<typeof TestSyncClient.connect>[1]) => {
    const client = await TestSyncClient.connect(t.url, options);
    clients.push(client);
    return client;
  };
  /** A write acked after the first sync: the socket survived it (a close would reject). */
  const roundTrip = async (client: TestSyncClient, doc: Y.Doc) => {
    doc.getText('after').insert(0, 'still here');
    await client.allAcked('ws1:index');
  };
  /** Another client's subscribe, sync and acked write: the server serves others meanwhile. */
  const otherWorkspaceRoundTrip = async () => {
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:ticket:t1');
    await ana.synced('ws1:ticket:t1');
    doc.getText('t').insert(0, 'meanwhile');
    await ana.allAcked('ws1:ticket:t1');
  };
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const client of clients.splice(0)) client.ws.terminate();
    await t.stop();
  });

  it('CHUNK-1 reaches a new /sync client in docChunk pieces, whole, without a disconnect', async () => {
    const stored = await seeded('ws1:index', 4);
    const ben = await connect({ token: 'tok-ben' });
    const doc = ben.subscribe('ws1:index');
    await ben.synced('ws1:index');

    expect(sameState(doc, stored)).toBe(true);
    await roundTrip(ben, doc);
    const chunks = ben.messages.filter((m) => m.type === MessageType.docChunk);
    expect(chunks.length).toBeGreaterThan(4 * 16 - 1);
    expect(
      Math.max(...chunks.map((c) => (c.type === MessageType.docChunk ? c.bytes.length : 0))),
    ).toBe(64 * 1024);
    expect(ben.closeInfo).toBeNull();
  });

  it('CHUNK-4 waits for a client that does not read, rather than closing it, and completes once it reads', async () => {
    const stored = await seeded('ws1:index', 4);
    const ben = await connect({ token: 'tok-ben' });
    const socket = (ben.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const doc = ben.subscribe('ws1:index');
    // The server fills the kernel buffers and then waits; a round trip on another socket
    // shows it is still serving while it waits.
    await otherWorkspaceRoundTrip();
    socket.resume();
    await ben.synced('ws1:index');
    expect(sameState(doc, stored)).toBe(true);
    await roundTrip(ben, doc);
    expect(ben.closeInfo).toBeNull();
  });

  it('CHUNK-5 reaches a protocol-1 client as one doc frame, without a disconnect', async () => {
    const stored = await seeded('ws1:index', 4);
    const old = await connect({ token: 'tok-ben', protocolVersion: 1 });
    await old.waitFor((m) => m.type === MessageType.welcome);
    expect(old.messages[0]).toMatchObject({ type: MessageType.welcome, protocolVersion: 1 });
    const socket = (old.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const doc = old.subscribe('ws1:index');
    await otherWorkspaceRoundTrip();
    socket.resume();
    await old.synced('ws1:index');
    expect(sameState(doc, stored)).toBe(true);
    await roundTrip(old, doc);
    expect(old.messages.some((m) => m.type === MessageType.docChunk)).toBe(false);
    expect(old.closeInfo).toBeNull();
  });

  it('CHUNK-5 reaches a stock y-websocket provider on /yjs as one message, without a disconnect', async () => {
    const stored = await seeded('ws1:index', 4);
    const closes: number[] = [];
    // A stock provider on a socket that reads nothing until the server has had time to send.
    let pausedSocket: (socket: Socket) => void = () => undefined;
    const paused = new Promise<Socket>((resolve) => (pausedSocket = resolve));
    class PausingWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.once('open', () => {
          const socket = (this as unknown as { _socket: Socket })._socket;
          socket.pause();
          pausedSocket(socket);
        });
      }
    }
    const provider = new WebsocketProvider(
      `${t.url.replace('http', 'ws')}/yjs`,
      'ws1:index',
      new Y.Doc(),
      {
        WebSocketPolyfill: PausingWebSocket as unknown as typeof globalThis.WebSocket,
        params: { token: 'tok-ben' },
        disableBc: true,
      },
    );
    providers.push(provider);
    provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0));
    const socket = await paused;
    await otherWorkspaceRoundTrip();
    socket.resume();
    await new Promise<void>((resolve) => {
      if (provider.synced) resolve();
      else provider.once('sync', () => resolve());
    });
    expect(sameState(provider.doc, stored)).toBe(true);
    // A change made after the first sync reaches the server over the same socket.
    provider.doc.getText('after').insert(0, 'still here');
    const watcher = await connect({ token: 'tok-ana' });
    const watched = watcher.subscribe('ws1:index');
    await watcher.until(() => watched.getText('after').toString() === 'still here');
    expect(closes).toEqual([]);
  });

  it('FLOW-1 still closes a client with 4429 that does not read steady-state traffic while its first sync waits', async () => {
    await seeded('ws1:index', 4);
    const ana = await connect({ token: 'tok-ana' });
    const slow = await connect({ token: 'tok-ben' });
    const anaDoc = ana.subscribe('ws1:index', new Y.Doc(), true);
    await ana.synced('ws1:index');
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    slow.subscribe('ws1:index');
    const blob = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) ana.awareness('ws1:index').setLocalState({ i, blob });
    anaDoc.getText('t').insert(0, 'done');
    await ana.allAcked('ws1:index');
    socket.resume();
    expect((await slow.closed).code).toBe(CloseCode.slowConsumer);
    expect(ana.closeInfo).toBeNull();
  });
});
