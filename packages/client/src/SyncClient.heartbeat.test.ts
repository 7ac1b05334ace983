import { DocAccess, MessageType, PROTOCOL_VERSION, YMessageType } from '@desk/protocol';
import * as encoding from 'lib0/encoding';
import { beforeEach, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { SyncStatus } from './status/SyncStatus.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import { SyncClient } from './SyncClient.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { FakeSocket } from './testing/FakeSocket.ts';
import { ManualClock } from './testing/ManualClock.ts';

const docId = 'w1:ticket:t1';
const heartbeat = { heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 4000 };
const unconfirmedAfterMs = 3000;

const defer = cleanupAfterEach();

beforeEach(() => {
  FakeSocket.created = [];
});

/**
 * A client on a FakeSocket and a manual clock; the test plays the server and the browser
 * (with `device`, also what `navigator.onLine` says).
 */
function setup(device?: { online: boolean }) {
  const clock = new ManualClock();
  const network = Object.assign(new EventTarget(), device ? { isOnline: () => device.online } : {});
  const client = new SyncClient({
    url: 'ws://test/sync',
    WebSocket: FakeSocket,
    store: new MemoryStore(),
    clock,
    backoff: { baseMs: 1000, maxMs: 30_000, minMs: 100, random: () => 1 },
    ...heartbeat,
    unconfirmedAfterMs,
    networkEvents: network,
  });
  defer(() => client.close());
  const seen: SyncStatus[] = [];
  client.subscribe((status) => seen.push(status));
  return { clock, network, client, seen };
}

/** Lets the client's promises and status notifications (microtasks) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function syncFrame(kind: number, data: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessageType.sync);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, data);
  return encoding.toUint8Array(encoder);
}

/** Opens the newest socket and plays the server up to a live subscription of the doc. */
async function serveSubscription(server: Y.Doc): Promise<FakeSocket> {
  await settle();
  const socket = FakeSocket.last();
  socket.open();
  socket.receive({
    type: MessageType.welcome,
    protocolVersion: PROTOCOL_VERSION,
    generation: 'g1',
    userId: 'u1',
  });
  await settle();
  for (const message of socket.sent) {
    if (message.type !== MessageType.catchUp) continue;
    socket.receive({
      type: MessageType.catchUpResult,
      workspaceId: message.workspaceId,
      generation: 'g1',
      seq: 0,
      full: false,
      changed: [],
    });
  }
  socket.receive({ type: MessageType.subscribed, docId, access: DocAccess.write });
  const step1 = syncFrame(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(server));
  socket.receive({ type: MessageType.doc, docId, payload: step1 });
  const step2 = syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server));
  socket.receive({ type: MessageType.doc, docId, payload: step2 });
  await settle();
  return socket;
}

/** Acks everything the client sent on `socket` that is still unacknowledged. */
function ackAll(socket: FakeSocket, count: number): void {
  socket.receive({ type: MessageType.ack, docId, count });
}

const pings = (socket: FakeSocket) => socket.sent.filter((m) => m.type === MessageType.ping);

describe('SyncClient on a half-open network', () => {
  it('FLOW-3 says "unconfirmed" once an edit waits past the threshold, pings at once, and goes offline when no answer comes', async () => {
    const { clock, client, seen } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const socket = await serveSubscription(new Y.Doc());
    ackAll(socket, 1); // our step 2
    await settle();
    expect(client.status).toMatchObject({ kind: 'synced', unconfirmed: false, pendingUpdates: 0 });

    const editedAt = clock.now();
    handle.doc.getText('t').insert(0, 'hello');
    await settle();
    expect(client.status).toMatchObject({
      kind: 'syncing',
      pendingUpdates: 1,
      unconfirmed: false,
      unconfirmedSince: editedAt,
    });

    clock.advance(unconfirmedAfterMs - 1);
    await settle();
    expect(client.status.unconfirmed).toBe(false);
    expect(pings(socket)).toEqual([]);
    clock.advance(1);
    await settle();
    // Not "saved", and the connection is questioned now rather than at the next ping.
    expect(seen.at(-1)).toMatchObject({ kind: 'syncing', unconfirmed: true, pendingUpdates: 1 });
    expect(pings(socket)).toHaveLength(1);

    clock.advance(heartbeat.heartbeatTimeoutMs);
    await settle();
    expect(socket.closedWith).not.toBeNull();
    expect(seen.at(-1)).toMatchObject({ kind: 'offline', pendingUpdates: 1, unconfirmed: false });
    expect(text(handle.doc)).toBe('hello');
  });

  it('clears "unconfirmed" when the ack arrives, and never reports synced while an edit is unacked', async () => {
    const { clock, client, seen } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const socket = await serveSubscription(new Y.Doc());
    ackAll(socket, 1);
    await settle();
    handle.doc.getText('t').insert(0, 'slow');
    await settle();
    const fromEdit = seen.length - 1;
    clock.advance(unconfirmedAfterMs);
    await settle();
    expect(client.status.unconfirmed).toBe(true);
    socket.receive({ type: MessageType.pong, nonce: 1 }); // the path is alive, only slow
    ackAll(socket, 1);
    await settle();
    expect(client.status).toMatchObject({ kind: 'synced', unconfirmed: false, pendingUpdates: 0 });
    expect(client.status.unconfirmedSince).toBeUndefined();
    expect(seen.slice(fromEdit).filter((s) => s.kind === 'synced' && s.pendingUpdates > 0)).toEqual(
      [],
    );
    clock.advance(heartbeat.heartbeatTimeoutMs);
    expect(socket.closedWith).toBeNull();
  });

  it('FLOW-3 keeps an answered connection through many heartbeats, and reconnects after the server goes silent', async () => {
    const { clock, client } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const socket = await serveSubscription(new Y.Doc());
    for (let i = 1; i <= 4; i++) {
      clock.advance(heartbeat.heartbeatIntervalMs);
      socket.receive({ type: MessageType.pong, nonce: i });
    }
    expect(socket.closedWith).toBeNull();
    expect(client.status.kind).not.toBe('offline');

    clock.advance(heartbeat.heartbeatIntervalMs + heartbeat.heartbeatTimeoutMs);
    await settle();
    expect(client.status.kind).toBe('offline');
    clock.advance(client.status.nextRetryAt! - clock.now());
    await settle();
    expect(FakeSocket.created).toHaveLength(2);
  });

  it('resends an edit made on a dead connection after the reconnect; not "unconfirmed" just for having waited offline', async () => {
    const { clock, client } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const server = new Y.Doc();
    const first = await serveSubscription(server);
    ackAll(first, 1);
    handle.doc.getText('t').insert(0, 'kept');
    await settle();
    clock.advance(unconfirmedAfterMs + heartbeat.heartbeatTimeoutMs);
    await settle();
    expect(client.status).toMatchObject({ kind: 'offline', pendingUpdates: 1 });

    clock.advance(client.status.nextRetryAt! - clock.now());
    const second = await serveSubscription(server);
    // The edit waited long, but only now does it wait for this connection.
    expect(client.status).toMatchObject({ kind: 'syncing', unconfirmed: false, pendingUpdates: 1 });
    const step2 = second.sent.find(
      (m) => m.type === MessageType.doc && m.payload[1] === syncProtocol.messageYjsSyncStep2,
    );
    expect(step2).toBeDefined();
    ackAll(second, 1);
    await settle();
    expect(client.status).toMatchObject({ kind: 'synced', pendingUpdates: 0, unconfirmed: false });
  });

  it("FLOW-3 goes offline at once on the browser's offline event and reconnects at once on online", async () => {
    const { clock, network, client, seen } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const socket = await serveSubscription(new Y.Doc());
    ackAll(socket, 1);
    await settle();

    network.dispatchEvent(new Event('offline'));
    await settle();
    expect(socket.closedWith).not.toBeNull();
    expect(seen.at(-1)?.kind).toBe('offline');
    handle.doc.getText('t').insert(0, 'offline edit');
    await settle();
    expect(client.status).toMatchObject({ kind: 'offline', pendingUpdates: 1 });

    // Failed attempts meanwhile make the backoff grow; online skips all of it.
    for (let i = 0; i < 3; i++) {
      clock.advance(client.status.nextRetryAt! - clock.now());
      await settle();
      FakeSocket.last().serverClose(1006);
    }
    const before = FakeSocket.created.length;
    network.dispatchEvent(new Event('online'));
    await settle();
    expect(FakeSocket.created).toHaveLength(before + 1);
  });

  it('FLOW-3 tries no socket while the browser says it has no network, and connects on online', async () => {
    const device = { online: true };
    const { clock, network, client } = setup(device);
    const handle = client.open(docId);
    await handle.whenLoaded;
    ackAll(await serveSubscription(new Y.Doc()), 1); // our step 2
    await settle();
    const sockets = FakeSocket.created.length;

    device.online = false;
    network.dispatchEvent(new Event('offline'));
    handle.doc.getText('t').insert(0, 'offline edit');
    await settle();
    // Offline, with no attempt scheduled: each one would only fail (and be logged).
    expect(client.status).toMatchObject({ kind: 'offline', pendingUpdates: 1 });
    expect(client.status.nextRetryAt).toBeUndefined();
    clock.advance(10 * 60_000);
    await settle();
    expect(FakeSocket.created).toHaveLength(sockets);

    device.online = true;
    network.dispatchEvent(new Event('online'));
    await settle();
    expect(FakeSocket.created).toHaveLength(sockets + 1);
    expect(client.status.kind).toBe('connecting');
  });

  it('FLOW-3 pings a connected socket when the browser says the network is back', async () => {
    const { network, client } = setup();
    const handle = client.open(docId);
    await handle.whenLoaded;
    const socket = await serveSubscription(new Y.Doc());
    network.dispatchEvent(new Event('online'));
    expect(pings(socket)).toHaveLength(1);
  });
});

function text(doc: Y.Doc): string {
  return doc.getText('t').toString();
}
