import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MemoryStore, SyncClient } from '@desk/client';
import {
  DocChunkAssembler,
  MessageType,
  YMessageType,
  decodeServerMessage,
  type ServerMessage,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import type { SyncLimits } from '../../../sync-server/src/sync/SyncLimits.ts';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

// Issue 13 (isolation bench): a new device opening a large index doc while another client
// writes to it flat out never finished its first sync. Updates broadcast before its step 2
// reached a replica without what they build on; Yjs held them as pending structs and merged
// and retried the whole pending set on every further update, until the device's event loop
// could not keep up and its socket died (1006). The same shape, small.
//
// Each test makes the writer outpace the first sync by construction, not by timing (on
// PostgreSQL an append in flight is slower, and a writer racing the answer won on one run
// of two): the new device stops reading once the first piece of its answer arrived — the
// server built that answer before sending its first piece — and the doc is larger than the
// loopback's buffers and the server's send buffer take, so the server cannot finish sending
// it; the writer's edits meanwhile reach the server while the answer is on its way. The
// paused device cannot answer pings either: its heartbeat is out of the way.

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
} as const;

/** Held as bytes on the worker, sent in many pieces, far above the send-buffer limit. */
const limits: Partial<SyncLimits> = {
  largeDocBytes: 128 * 1024,
  catchUpChunkBytes: 32 * 1024,
  maxBufferedBytes: 1024 * 1024,
};
const DOC = 'ws1:index';
/** Edits the writer keeps in flight (paced by acks), as the bench's writer does. */
const WINDOW = 32;

/** About `mib` MiB of map entries (a workspace index grows like this). */
function bigDoc(mib: number): Y.Doc {
  const doc = new Y.Doc();
  const rows = doc.getMap<string>('rows');
  let seed = 5;
  const letter = () =>
    String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26));
  doc.transact(() => {
    for (let i = 0; i < mib * 256; i++)
      rows.set(`r${i}`, Array.from({ length: 4096 }, letter).join(''));
  });
  return doc;
}

/** Larger than the loopback's kernel buffers and `maxBufferedBytes` take together. */
const UNSENDABLE_MIB = 16;
/** The server's limits of the tests whose device stops reading: no heartbeat close. */
const pausedLimits: Partial<SyncLimits> = { ...limits, heartbeatMs: 10 * 60_000 };

/** Whether a frame from the server is a piece of a chunked answer for DOC. */
function isAnswerPiece(message: ServerMessage): boolean {
  return message.type === MessageType.docChunk && message.docId === DOC;
}

function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.compare(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)) === 0;
}

/** The sync message type (step 1, step 2, update) of a doc payload; null for other kinds. */
function syncType(payload: Uint8Array): number | null {
  const decoder = decoding.createDecoder(payload);
  if (decoding.readVarUint(decoder) !== YMessageType.sync) return null;
  return decoding.readVarUint(decoder);
}

describe('a first sync of a large doc that another client writes flat out', () => {
  let t: SyncTestServer;
  const clients: TestSyncClient[] = [];
  const devices: SyncClient[] = [];
  afterEach(async () => {
    for (const device of devices.splice(0)) await device.close();
    for (const client of clients.splice(0)) client.ws.terminate();
    await t.stop();
  });

  /** The stored doc and a writer holding it that edits entry after entry, WINDOW in flight. */
  const writing = async (serverLimits = limits, mib = 3) => {
    t = await startSyncServer(users, serverLimits);
    const stored = bigDoc(mib);
    await t.server.sync.applyServerUpdate(DOC, Y.encodeStateAsUpdate(stored));
    const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(ana);
    const doc = ana.subscribe(DOC, stored);
    await ana.synced(DOC);
    await ana.allAcked(DOC);
    const state = ana.docs.get(DOC)!;
    const rows = doc.getMap<string>('rows');
    let edits = 0;
    let stop = false;
    const pump = () => {
      while (!stop && state.sent - state.acked < WINDOW) {
        rows.set(`r${edits % 768}`, `edit ${edits}`);
        edits++;
      }
    };
    // Every message to the writer (its acks) tops the window up, until stopped.
    ana
      .until(() => {
        pump();
        return stop;
      })
      .catch(() => undefined); // the socket closed: the test's own checks say so
    const edited = async (atLeast: number) => ana.until(() => edits >= atLeast);
    const stopWriting = async () => {
      stop = true;
      await ana.allAcked(DOC);
      return doc;
    };
    return { ana, edited, stopWriting, edits: () => edits };
  };

  it('SUB-3 sends no update of the doc to a new subscriber before its step 2, which arrives whole', async () => {
    const writer = await writing(pausedLimits, UNSENDABLE_MIB);
    await writer.edited(WINDOW * 4);
    const ben = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(ben);
    const from = ben.messages.length;
    const doc = new Y.Doc();
    let pendingSeen = false;
    doc.on('afterTransaction', () => {
      if (doc.store.pendingStructs !== null) pendingSeen = true;
    });
    // Ben stops reading at the first piece of the answer (checked after every message).
    const socket = (ben.ws as unknown as { _socket: Socket })._socket;
    const answerStarted = ben.until(() => {
      const started = ben.messages.length > from && isAnswerPiece(ben.messages.at(-1)!);
      if (started) socket.pause();
      return started;
    }, 'the first piece of the answer');
    ben.subscribe(DOC, doc);
    await answerStarted;
    // Written to meanwhile: the server has updates to send while the step 2 is on its way.
    await writer.edited(writer.edits() + WINDOW * 4);
    socket.resume();
    await ben.synced(DOC);
    const written = await writer.stopWriting();
    await ben.until(() => sameState(doc, written));

    // In arrival order: the server's step 1, the step 2 (in pieces), then the updates.
    const assembler = new DocChunkAssembler();
    const kinds: number[] = [];
    for (const m of ben.messages.slice(from) as ServerMessage[]) {
      let payload: Uint8Array | null = null;
      if (m.type === MessageType.doc && m.docId === DOC) payload = m.payload;
      if (m.type === MessageType.docChunk && m.docId === DOC) payload = assembler.add(m);
      const kind = payload && syncType(payload);
      if (kind !== null && kind !== undefined) kinds.push(kind);
    }
    const step2 = kinds.indexOf(syncProtocol.messageYjsSyncStep2);
    expect(step2).toBeGreaterThanOrEqual(0);
    expect(kinds.slice(0, step2)).not.toContain(syncProtocol.messageYjsUpdate);
    expect(kinds.slice(step2 + 1)).toContain(syncProtocol.messageYjsUpdate);
    // Nothing ever waited in the replica for a missing dependency.
    expect(pendingSeen).toBe(false);
    expect(ben.closeInfo).toBeNull();
    expect(writer.ana.closeInfo).toBeNull();
  });

  it('SUB-3 sends what a slow new subscriber missed during its step 2 as one diff once too much was held, without a disconnect', async () => {
    // Larger than the loopback's kernel buffers take while the client does not read. The
    // paused client cannot answer pings either: on a loaded machine the edits below
    // outlast a heartbeat, and its close is not what this test is about.
    const writer = await writing(
      { ...limits, maxBufferedBytes: 32 * 1024, heartbeatMs: 10 * 60_000 },
      16,
    );
    await writer.edited(WINDOW * 4);
    const ben = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(ben);
    const socket = (ben.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const doc = ben.subscribe(DOC);
    // Far more than 32 KiB of updates (~30 bytes each) while the step 2 waits for the client to read.
    await writer.edited(writer.edits() + 8_000);
    socket.resume();
    await ben.synced(DOC);
    const written = await writer.stopWriting();
    await ben.until(() => sameState(doc, written));
    // The answer, then what the doc gained meanwhile as a second step 2.
    expect(ben.docs.get(DOC)!.step2Received).toBeGreaterThanOrEqual(2);
    expect(ben.closeInfo).toBeNull();
    expect(writer.ana.closeInfo).toBeNull();
  });

  it('SUB-3 syncs a new device (the product client) fully, without a disconnect', async () => {
    const writer = await writing(pausedLimits, UNSENDABLE_MIB);
    await writer.edited(WINDOW * 4);
    const closes: unknown[] = [];
    // The device's socket stops reading at the first piece of the answer, as Ben's above.
    let answerStarted: (socket: Socket) => void = () => undefined;
    const paused = new Promise<Socket>((resolve) => (answerStarted = resolve));
    let pausedOnce = false;
    class PausingWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          if (pausedOnce) return;
          const bytes = Array.isArray(data) ? Buffer.concat(data) : new Uint8Array(data);
          if (!isAnswerPiece(decodeServerMessage(bytes))) return;
          pausedOnce = true;
          const socket = (this as unknown as { _socket: Socket })._socket;
          socket.pause();
          answerStarted(socket);
        });
      }
    }
    const device = new SyncClient({
      url: () => `${t.url.replace(/^http/, 'ws')}/sync?token=tok-ben`,
      WebSocket: PausingWebSocket,
      store: new MemoryStore(),
      log: (event, details) => {
        if (event === 'closed') closes.push(details.code);
      },
    });
    devices.push(device);
    const handle = device.open(DOC);
    let pendingSeen = false;
    handle.doc.on('afterTransaction', () => {
      if (handle.doc.store.pendingStructs !== null) pendingSeen = true;
    });
    const socket = await paused;
    await writer.edited(writer.edits() + WINDOW * 4);
    socket.resume();
    await handle.whenSynced;
    const written = await writer.stopWriting();
    const target = Y.encodeStateVector(written);
    await until(
      () => Buffer.compare(Y.encodeStateVector(handle.doc), target) === 0,
      'the device to have every edit',
    );
    expect(sameState(handle.doc, written)).toBe(true);
    expect(handle.doc.getMap('rows').size).toBe(UNSENDABLE_MIB * 256);
    expect(pendingSeen).toBe(false);
    expect(closes).toEqual([]);
    handle.release();
  });
});
