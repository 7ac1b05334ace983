import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocAccess, DocErrorCode, ProtocolError, type CloseCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { openSyncCore, type SyncCore } from '../testing/syncCore.ts';
import type { ConnectionLink } from './ConnectionLink.ts';
import type { DocRoom } from './DocRoom.ts';
import { DocSubscription } from './DocSubscription.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { SyncLimits } from './SyncLimits.ts';
import { syncMessage, syncStep1Message, updateMessage } from './yMessages.ts';

// One document on one connection, against a real room, pipeline and SQLite store. The
// connection is a recording one on the /yjs side (unframed): what the subscription sends,
// the catch-ups it asks for (run when the test says), acks and refusals.

const docId = 'ws1:ticket:t1';

class RecordingConnection implements ConnectionLink {
  static #ids = 0;
  readonly id = ++RecordingConnection.#ids;
  readonly principal = { userId: 'ana', sessionId: null, tokenId: 't-ana' };
  readonly framed = false;
  readonly sent: Uint8Array[] = [];
  readonly catchUps: (() => Uint8Array | Promise<Uint8Array>)[] = [];
  acked = 0;
  readonly refusals: { code: DocErrorCode; changes: boolean | null | undefined }[] = [];
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  sendCatchUp(_subscription: DocSubscription, produce: () => Uint8Array | Promise<Uint8Array>) {
    this.catchUps.push(produce);
  }
  ack(_subscription: DocSubscription, count: number): void {
    this.acked += count;
  }
  refuse(
    _subscription: DocSubscription,
    code: DocErrorCode,
    _message: string,
    changes?: boolean | null,
  ): void {
    this.refusals.push({ code, changes });
  }
  fail(code: CloseCode): void {
    throw new Error(`unexpected close ${code}`);
  }
}

/** The update a y-protocols sync message carries (step 2 or update). */
function updateIn(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder); // sync
  decoding.readVarUint(decoder); // step 2 or update
  return decoding.readVarUint8Array(decoder);
}

/** A writer doc with a fixed client id, and the updates it made. */
function writer(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

describe('DocSubscription', () => {
  let core: SyncCore;
  let room: DocRoom;

  beforeEach(async () => {
    core = openSyncCore(new StaticSyncAuth({}));
    room = await core.rooms.load(docId, 'ws1');
  });
  afterEach(() => core.close());

  const subscribe = (access: DocAccess = DocAccess.write, limits: Partial<SyncLimits> = {}) => {
    const connection = new RecordingConnection();
    const subscription = new DocSubscription(
      connection,
      docId,
      'ws1',
      core.pipeline,
      { ...core.limits, ...limits },
      Date.now(),
    );
    subscription.state = 'active';
    subscription.access = access;
    subscription.room = room;
    core.rooms.join(room, subscription);
    return { connection, subscription };
  };

  const storedText = () => {
    const doc = new Y.Doc();
    for (const update of core.store.load(docId)?.log ?? []) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  };

  /** Stores `text` through a writing member and waits for its ack. */
  const written = async (text: string, clientID = 7) => {
    const member = subscribe();
    const w = writer(clientID);
    w.doc.getText('t').insert(0, text);
    member.subscription.receive(updateMessage(w.updates[0]!), null);
    await until(() => member.connection.acked === 1, 'the ack');
    return w.doc;
  };

  it('SUB-2 answers a sync step 1 with a catch-up holding only what the client lacks', async () => {
    const server = await written('hello');
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    await written(' world', 8);
    const { connection, subscription } = subscribe();
    subscription.receive(syncStep1Message(client), null);
    expect(connection.sent).toEqual([]);
    expect(connection.catchUps).toHaveLength(1);
    const answer = await connection.catchUps[0]!();
    const diff = updateIn(answer);
    expect(Y.decodeUpdate(diff).structs.map((s) => s.id.client)).toEqual([8]);
    Y.applyUpdate(client, diff);
    expect(client.getText('t').toString()).toBe(room.doc!.getText('t').toString());
  });

  it('SUB-3 holds updates while its answer is pending, drops those the answer contains, and sends the rest after it', () => {
    const { connection, subscription } = subscribe();
    subscription.holdUpdates();
    subscription.deliverUpdate(Uint8Array.of(1));
    expect(connection.sent).toEqual([]);
    subscription.dropHeldUpdates(); // the answer is built: it holds update 1
    subscription.deliverUpdate(Uint8Array.of(2));
    subscription.deliverUpdate(Uint8Array.of(3));
    expect(connection.sent).toEqual([]);
    subscription.releaseUpdates(); // the answer is in the send buffer
    expect(connection.sent).toEqual([Uint8Array.of(2), Uint8Array.of(3)]);
    subscription.deliverUpdate(Uint8Array.of(4));
    expect(connection.sent.at(-1)).toEqual(Uint8Array.of(4));
  });

  it('SUB-3 past maxBufferedBytes held, sends one diff since the answer instead of the updates', async () => {
    const { connection, subscription } = subscribe(DocAccess.write, { maxBufferedBytes: 4 });
    subscription.holdUpdates();
    subscription.dropHeldUpdates();
    const server = await written('after the answer');
    for (let i = 0; i < 5; i++) subscription.deliverUpdate(Uint8Array.of(i));
    subscription.releaseUpdates();
    expect(connection.sent).toEqual([]);
    expect(connection.catchUps).toHaveLength(1);
    const client = new Y.Doc();
    Y.applyUpdate(client, updateIn(await connection.catchUps[0]!()));
    expect(client.getText('t').toString()).toBe(server.getText('t').toString());
  });

  it('LIMIT-2 refuses an update over maxUpdateBytes with update_too_large before storing it', async () => {
    const { connection, subscription } = subscribe(DocAccess.write, { maxUpdateBytes: 32 });
    const w = writer(9);
    w.doc.getText('t').insert(0, 'x'.repeat(100));
    subscription.receive(updateMessage(w.updates[0]!), null);
    await until(() => connection.refusals.length === 1, 'the refusal');
    expect(connection.refusals[0]?.code).toBe(DocErrorCode.updateTooLarge);
    expect(connection.acked).toBe(0);
    expect(storedText()).toBe('');
  });

  it('WRITE-8 refuses a read-only member’s change whole, saying whether it would have changed the doc', async () => {
    const server = await written('kept');
    const { connection, subscription } = subscribe(DocAccess.read);
    subscription.readOnlyCode = DocErrorCode.workspaceReadOnly;
    // Its reconnect step 2 repeats what the server has: refused, but changes nothing.
    subscription.receive(
      syncMessage(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server)),
      null,
    );
    const w = writer(10);
    w.doc.getText('t').insert(0, 'new');
    subscription.receive(updateMessage(w.updates[0]!), null);
    await until(() => connection.refusals.length === 2, 'both refusals');
    expect(connection.refusals).toEqual([
      { code: DocErrorCode.workspaceReadOnly, changes: false },
      { code: DocErrorCode.workspaceReadOnly, changes: true },
    ]);
    expect(storedText()).toBe('kept');
  });

  it('WRITE-3 acks an empty step 2 in order without storing anything', async () => {
    const { connection, subscription } = subscribe();
    subscription.receive(
      syncMessage(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(new Y.Doc())),
      null,
    );
    await until(() => connection.acked === 1, 'the ack');
    expect(core.store.load(docId)?.log ?? []).toEqual([]);
  });

  it('WRITE-6 throws ProtocolError on an update that does not decode, before storing it', () => {
    const { subscription } = subscribe();
    expect(() =>
      subscription.receive(updateMessage(Uint8Array.of(5, 1, 2, 3, 4, 5, 6, 7)), null),
    ).toThrow(ProtocolError);
    expect(() => subscription.receive(Uint8Array.of(9, 9), null)).toThrow(ProtocolError);
    expect(core.store.load(docId)?.log ?? []).toEqual([]);
  });

  it('PRES-1 relays a presence update to the other members as the bytes it came in', () => {
    const a = subscribe();
    const b = subscribe();
    const state = new TextEncoder().encode('{"user":"ana"}');
    // y-protocols awareness: count, then client id, clock, JSON state.
    const update = Uint8Array.of(1, 42, 1, state.length, ...state);
    const message = Uint8Array.of(1, update.length, ...update);
    a.subscription.receive(message, null);
    expect(b.connection.sent).toEqual([message]);
    expect(a.connection.sent).toEqual([]);
  });
});
