import {
  DocAccess,
  DocErrorCode,
  decodeClientMessage,
  MessageType,
  YMessageType,
} from '@desk/protocol';
import type { ClientMessage } from '@desk/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MemoryStore } from '../store/MemoryStore.ts';
import { ManualClock } from '../testing/ManualClock.ts';
import { DocReplica } from './DocReplica.ts';

const docId = 'w1:ticket:t1';

/** A replica wired to a recording host; `server` is the doc the test plays the server with. */
async function setup() {
  const sent: ClientMessage[] = [];
  const logs: string[] = [];
  let connected = true;
  const replica = new DocReplica(docId, 'w1', {
    store: new MemoryStore(),
    clock: new ManualClock(),
    send: (frame) => {
      if (!connected) return false;
      sent.push(decodeClientMessage(frame));
      return true;
    },
    changed: () => undefined,
    retryLater: () => undefined,
    log: (event) => logs.push(event),
  });
  replica.refs = 1;
  await replica.whenLoaded;
  const server = new Y.Doc();
  const syncFrame = (kind: number, data: Uint8Array) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.sync);
    encoding.writeVarUint(encoder, kind);
    encoding.writeVarUint8Array(encoder, data);
    return encoding.toUint8Array(encoder);
  };
  /** Plays the server's side of a subscription up to "both step 2s exchanged". */
  const serverHandshake = () => {
    replica.handleSubscribed(DocAccess.write);
    replica.handleDocFrame(
      syncFrame(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(server)),
    );
    replica.handleDocFrame(
      syncFrame(
        syncProtocol.messageYjsSyncStep2,
        Y.encodeStateAsUpdate(server, Y.encodeStateVector(replica.doc)),
      ),
    );
  };
  /** Applies what the client sent as step 2 / updates to the server doc. */
  const deliver = () => {
    for (const message of sent.splice(0)) {
      if (message.type !== MessageType.doc) continue;
      const decoder = decoding.createDecoder(message.payload);
      if (decoding.readVarUint(decoder) !== YMessageType.sync) continue;
      const kind = decoding.readVarUint(decoder);
      if (kind !== syncProtocol.messageYjsSyncStep1) {
        Y.applyUpdate(server, decoding.readVarUint8Array(decoder));
      }
    }
  };
  return {
    replica,
    server,
    sent,
    logs,
    syncFrame,
    serverHandshake,
    deliver,
    setConnected: (value: boolean) => {
      connected = value;
    },
  };
}

describe('DocReplica', () => {
  it('does not take the state it loads from the local store for local changes', async () => {
    const store = new MemoryStore();
    const seed = new Y.Doc();
    const binding = store.bind(docId, seed);
    await binding.whenLoaded;
    seed.getText('t').insert(0, 'stored');
    await binding.destroy();
    const replica = new DocReplica(docId, 'w1', {
      store,
      clock: new ManualClock(),
      send: () => false,
      changed: () => undefined,
      retryLater: () => undefined,
      log: () => undefined,
    });
    await replica.whenLoaded;
    expect(replica.doc.getText('t').toString()).toBe('stored');
    expect(replica.pending).toBe(0);
    expect(await store.listDocs()).toEqual([{ docId, dirty: false }]);
    await replica.destroy();
  });

  it('subscribes with its state vector and is settled once its step 2 is acknowledged', async () => {
    const { replica, sent, serverHandshake } = await setup();
    replica.subscribe();
    expect(sent.map((m) => m.type)).toEqual([MessageType.subscribe, MessageType.doc]);
    serverHandshake();
    expect(replica.pending).toBe(1); // our step 2
    expect(replica.status.kind).toBe('syncing');
    replica.handleAck(1);
    expect(replica.status).toEqual({
      kind: 'synced',
      pending: 0,
      readOnly: false,
      localSave: 'ok',
    });
    await replica.whenSynced;
  });

  it('pops acknowledged updates in send order', async () => {
    const { replica, serverHandshake } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.handleAck(1);
    for (const ch of 'abc') replica.doc.getText('t').insert(0, ch);
    expect(replica.pending).toBe(3);
    replica.handleAck(2);
    expect(replica.pending).toBe(1);
    replica.handleAck(1);
    expect(replica.pending).toBe(0);
  });

  it('counts edits made offline and re-derives them from the state-vector exchange', async () => {
    const { replica, server, serverHandshake, deliver, setConnected } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.handleAck(1);
    deliver();
    replica.doc.getText('t').insert(0, 'sent but never acked');
    setConnected(false);
    replica.disconnected();
    replica.doc.getText('t').insert(0, 'offline ');
    replica.doc.getText('t').insert(0, 'more ');
    expect(replica.pending).toBe(3);
    expect(replica.status.kind).toBe('offline');

    setConnected(true);
    replica.subscribe();
    serverHandshake();
    // One step 2 now carries all three changes.
    expect(replica.pending).toBe(1);
    deliver();
    replica.handleAck(1);
    expect(replica.pending).toBe(0);
    expect(server.getText('t').toString()).toBe('more offline sent but never acked');
  });

  it('logs and clamps an acknowledgement for more than was sent', async () => {
    const { replica, logs, serverHandshake } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.handleAck(5);
    expect(replica.pending).toBe(0);
    expect(logs).toContain('ack_mismatch');
  });

  it('ignores acks still due for updates moved into a draft by a reset', async () => {
    const { replica, server, syncFrame, serverHandshake } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.handleAck(1);
    replica.doc.getText('t').insert(0, 'ok ');
    replica.doc.getText('t').insert(0, 'refused ');
    replica.handleDocError(DocErrorCode.docTooLarge, 'too large');
    // The server answers the reset's empty step 1 with its whole state.
    replica.handleDocFrame(
      syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server)),
    );
    replica.doc.getText('t').insert(0, 'new');
    expect(replica.pending).toBe(1);
    replica.handleAck(1); // the late ack of "ok ", sent before the reset
    expect(replica.pending).toBe(1);
    replica.handleAck(1);
    expect(replica.pending).toBe(0);
  });

  it('blocks on a refused subscription and rejects whenSynced with the code', async () => {
    const { replica } = await setup();
    replica.subscribe();
    replica.handleDocError(DocErrorCode.accessRevoked, 'removed from workspace');
    await expect(replica.whenSynced).rejects.toMatchObject({ code: 'access_revoked' });
    expect(replica.isBlocked).toBe(true);
    expect(replica.status).toMatchObject({ kind: 'error', error: { code: 'access_revoked' } });
    expect(await replica.waitSettled()).toBe(false);
  });

  it('drops remote presence when the connection is lost but keeps its own', async () => {
    const { replica, serverHandshake } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.awareness.setLocalState({ me: true });
    const other = new Y.Doc();
    const { Awareness, encodeAwarenessUpdate } = await import('y-protocols/awareness');
    const otherAwareness = new Awareness(other);
    otherAwareness.setLocalState({ other: true });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.awareness);
    encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(otherAwareness, [other.clientID]));
    replica.handleDocFrame(encoding.toUint8Array(encoder));
    expect(replica.awareness.getStates().has(other.clientID)).toBe(true);
    replica.disconnected();
    expect([...replica.awareness.getStates().keys()]).toEqual([replica.doc.clientID]);
    otherAwareness.destroy();
    await replica.destroy();
  });
});
