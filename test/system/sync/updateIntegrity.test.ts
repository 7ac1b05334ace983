import * as decoding from 'lib0/decoding';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CloseCode, DocErrorCode, MessageType, YMessageType } from '@desk/protocol';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
} as const;
const docId = 'ws1:ticket:integrity';

/** A sync 'update' message (y-protocols) carrying `update`. */
function updatePayload(update: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + 5 + update.byteLength);
  out[0] = YMessageType.sync;
  out[1] = syncProtocol.messageYjsUpdate;
  let pos = 2;
  let rest = update.byteLength;
  while (rest > 0x7f) {
    out[pos++] = 0x80 | (rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  out.set(update, pos);
  return out.subarray(0, pos + update.byteLength);
}

/** Two updates of one client, the second needing the first. */
function twoUpdates(clientID: number): [Uint8Array, Uint8Array] {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.getText('t').insert(0, 'first');
  doc.getText('t').insert(5, ' second');
  return [updates[0]!, updates[1]!];
}

describe('what the server accepts and echoes (real sockets)', () => {
  let t: SyncTestServer;
  const clients: TestSyncClient[] = [];
  const connect = async () => {
    const client = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    t = await startSyncServer(users);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await t.stop();
  });

  it('WRITE-4 never sends a writer its own updates back, gives the others all of them, and converges', async () => {
    const writers = await Promise.all([connect(), connect(), connect(), connect()]);
    const watcher = await connect();
    const docs = writers.map((w) => w.subscribe(docId));
    const watched = watcher.subscribe(docId);
    await Promise.all([...writers, watcher].map((c) => c.synced(docId)));
    const before = writers.map((w) => w.messages.length);

    // Flat out, interleaved: many turns carry updates of several writers at once.
    const perWriter = 150;
    for (let i = 0; i < perWriter; i++) {
      docs.forEach((doc, n) => doc.getArray<string>('a').push([`${n}:${i}`]));
    }
    const total = perWriter * writers.length;
    await Promise.all(writers.map((w) => w.allAcked(docId)));
    for (const [n, w] of writers.entries()) {
      await w.until(() => docs[n]!.getArray('a').length === total);
    }
    await watcher.until(() => watched.getArray('a').length === total);

    for (const [n, w] of writers.entries()) {
      const own = docs[n]!.clientID;
      for (const message of w.messages.slice(before[n])) {
        if (message.type !== MessageType.doc) continue;
        const decoder = decoding.createDecoder(message.payload);
        if (decoding.readVarUint(decoder) !== YMessageType.sync) continue;
        decoding.readVarUint(decoder);
        const update = decoding.readVarUint8Array(decoder);
        const clients = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update));
        expect(clients.has(own), `writer ${n} got its own update back`).toBe(false);
      }
    }
    const expected = docs[0]!.getArray('a').toJSON();
    for (const doc of [...docs, watched]) expect(doc.getArray('a').toJSON()).toEqual(expected);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await t.server.sync.readDocState(docId));
    expect(stored.getArray('a').toJSON()).toEqual(expected);
  });

  it('DEP-3 refuses on /sync an update sent before the one it needs (missing_dependencies), stores nothing of it, and accepts both in order', async () => {
    const client = await connect();
    client.subscribe(docId);
    await client.synced(docId);
    const [first, second] = twoUpdates(77);
    client.sendDoc(docId, updatePayload(second));
    const refusal = await client.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId, code: DocErrorCode.missingDependencies });

    const reader = await connect();
    const read = reader.subscribe(docId);
    await reader.synced(docId);
    expect(read.store.pendingStructs).toBeNull();
    expect(read.getText('t').toString()).toBe('');

    const acks = client.messages.filter((m) => m.type === MessageType.ack).length;
    client.sendDoc(docId, updatePayload(first));
    client.sendDoc(docId, updatePayload(second));
    await client.until(
      () =>
        client.messages
          .filter((m) => m.type === MessageType.ack)
          .reduce((sum, m) => sum + (m.type === MessageType.ack ? m.count : 0), 0) >=
        acks + 2,
    );
    await reader.until(() => read.getText('t').toString() === 'first second');
    expect(read.store.pendingStructs).toBeNull();
  });

  it('DEP-3 closes a /yjs socket that sends an update before the one it needs with 4524', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/yjs/${docId}?token=tok-ana`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    // The server's sync step 1 says the doc is loaded and authorized.
    await new Promise<void>((resolve) => ws.once('message', () => resolve()));
    ws.send(updatePayload(twoUpdates(78)[1]));
    expect(await closed).toBe(CloseCode.missingDependencies);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await t.server.sync.readDocState(docId));
    expect(stored.store.pendingStructs).toBeNull();
    expect(stored.getText('t').toString()).toBe('');
  });
});
