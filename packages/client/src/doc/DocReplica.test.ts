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
import { until } from '@desk/protocol/testing';

const docId = 'w1:ticket:t1';

/** A replica wired to a recording host; `server` is the doc the test plays the server with. */
async function setup() {
  const sent: ClientMessage[] = [];
  const logs: string[] = [];
  const store = new MemoryStore();
  let connected = true;
  let retries = 0;
  const replica = new DocReplica(docId, 'w1', {
    store,
    clock: new ManualClock(),
    send: (frame) => {
      if (!connected) return false;
      sent.push(decodeClientMessage(frame));
      return true;
    },
    changed: () => undefined,
    retryLater: () => retries++,
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
    store,
    sent,
    logs,
    retries: () => retries,
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

  it('CLIENT-3 holds an edit made after `subscribed` until its own step 2 is out, which carries it', async () => {
    const { replica, server, sent, syncFrame, deliver } = await setup();
    replica.doc.getText('t').insert(0, 'title');
    replica.subscribe();
    replica.handleSubscribed(DocAccess.write);
    sent.splice(0);
    replica.doc.getText('t').insert(5, ' fields');
    expect(sent).toEqual([]); // it builds on "title", which the server does not have yet
    expect(replica.pending).toBe(2);
    replica.handleDocFrame(
      syncFrame(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(server)),
    );
    expect(replica.pending).toBe(1); // one step 2 with both edits
    deliver();
    expect(server.getText('t').toString()).toBe('title fields');
    replica.doc.getText('t').insert(0, '!');
    expect(sent).toHaveLength(1); // after the step 2, edits go at once
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

  it('FLOW-3 counts edits made offline and re-derives them from the state-vector exchange', async () => {
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

  describe('a refused change', () => {
    it('CLIENT-1 is kept as a draft while the replica is rebuilt from the server’s state', async () => {
      const { replica, server, store, sent, syncFrame, serverHandshake, deliver } = await setup();
      server.getText('t').insert(0, 'server');
      replica.subscribe();
      serverHandshake();
      replica.handleAck(1);
      deliver();
      const replaced: Y.Doc[] = [];
      replica.onReplaced((event) => replaced.push(event.doc));
      const before = replica.doc;

      replica.doc.getText('t').insert(6, ' refused');
      replica.handleDocError(DocErrorCode.docTooLarge, 'too large');
      // The reset asks for the server's whole state: a step 1 with an empty state vector.
      expect(sentSyncSteps(sent.splice(0))).toEqual(['update', 'step1 (empty)']);
      expect(replica.isBusy).toBe(true);
      expect(replica.pending).toBe(0);
      expect(replica.status.kind).toBe('syncing');
      replica.doc.getText('t').insert(0, 'meanwhile ');

      replica.handleDocFrame(
        syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server)),
      );
      expect(replaced).toEqual([replica.doc]);
      expect(replica.doc).not.toBe(before);
      expect(replica.doc.getText('t').toString()).toBe('server');
      expect(replica.refused).toHaveLength(1);
      expect(replica.refused[0]).toMatchObject({ code: 'doc_too_large', message: 'too large' });
      const draft = new Y.Doc();
      Y.applyUpdate(draft, Y.encodeStateAsUpdate(server));
      Y.applyUpdate(draft, replica.refused[0]!.update);
      expect(draft.getText('t').toString()).toBe('meanwhile server refused');
      expect(replica.status.kind).toBe('synced');

      // The stored copy is the server's state; the draft is stored beside it.
      const storedText = () => {
        const stored = new Y.Doc();
        const state = store.storedState(docId);
        if (state) Y.applyUpdate(stored, state);
        return stored.getText('t').toString();
      };
      await until(() => storedText() === 'server', 'the stored doc to be replaced');
      expect(await store.getDrafts(docId)).toEqual(replica.refused);

      replica.dismissRefused(replica.refused);
      expect(replica.refused).toEqual([]);
      expect(await store.getDrafts(docId)).toEqual([]);
      await replica.destroy();
    });

    for (const code of [DocErrorCode.storageFull, DocErrorCode.ticketLimit]) {
      it(`CLIENT-1 refused with ${code} (a plan limit): kept as a draft with that code, the replica is the server's`, async () => {
        const { replica, server, syncFrame, serverHandshake, deliver } = await setup();
        server.getText('t').insert(0, 'server');
        replica.subscribe();
        serverHandshake();
        replica.handleAck(1);
        deliver();
        replica.doc.getText('t').insert(6, ' refused');
        replica.handleDocError(code, 'full');
        replica.handleDocFrame(
          syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server)),
        );
        expect(replica.doc.getText('t').toString()).toBe('server');
        expect(replica.refused).toHaveLength(1);
        expect(replica.refused[0]).toMatchObject({ code, message: 'full' });
        await replica.destroy();
      });
    }

    it('is refused on the client first when the doc is read-only: nothing is sent', async () => {
      const { replica, sent, syncFrame, server } = await setup();
      replica.subscribe();
      replica.handleSubscribed(DocAccess.read);
      replica.handleDocFrame(
        syncFrame(
          syncProtocol.messageYjsSyncStep2,
          Y.encodeStateAsUpdate(server, Y.encodeStateVector(replica.doc)),
        ),
      );
      expect(replica.status).toMatchObject({ kind: 'synced', readOnly: true });
      sent.splice(0);

      replica.doc.getText('t').insert(0, 'not allowed');
      expect(sentSyncSteps(sent.splice(0))).toEqual(['step1 (empty)']);
      replica.handleDocFrame(
        syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(server)),
      );
      expect(replica.doc.getText('t').toString()).toBe('');
      expect(replica.refused).toMatchObject([
        { code: 'read_only_role', message: 'This document is read-only.' },
      ]);
      expect(replica.pending).toBe(0);
    });

    it('only turns the doc read-only when nothing was in flight', async () => {
      const { replica, sent, serverHandshake } = await setup();
      replica.subscribe();
      serverHandshake();
      replica.handleAck(1);
      sent.splice(0);
      replica.handleDocError(DocErrorCode.workspaceReadOnly, 'suspended');
      expect(replica.readOnly).toBe(true);
      expect(replica.isBusy).toBe(false);
      expect(sent).toEqual([]);
      // Write access again (the workspace is resumed): edits are sent as before.
      replica.handleSubscribed(DocAccess.write);
      expect(replica.readOnly).toBe(false);
    });
  });

  it('CLIENT-2 shows a server failure, unsubscribes and asks its owner to retry, once per failed batch', async () => {
    const { replica, sent, retries, serverHandshake } = await setup();
    replica.subscribe();
    serverHandshake();
    replica.handleAck(1);
    replica.doc.getText('t').insert(0, 'a');
    replica.doc.getText('t').insert(0, 'b');
    sent.splice(0);
    replica.handleDocError(DocErrorCode.storageUnavailable, 'disk gone');
    replica.handleDocError(DocErrorCode.storageUnavailable, 'disk gone');
    expect(sent.map((m) => m.type)).toEqual([MessageType.unsubscribe]);
    expect(retries()).toBe(1);
    expect(replica.status).toMatchObject({
      kind: 'error',
      pending: 2,
      error: { code: 'storage_unavailable', message: 'disk gone' },
    });
    expect(replica.isBlocked).toBe(false);

    // The retry subscribes again; the error shows until the server confirms.
    replica.unblock();
    replica.subscribe();
    expect(replica.status.kind).toBe('syncing');
    serverHandshake();
    expect(replica.pending).toBe(1); // one step 2 carries both edits
  });

  it('does not subscribe while blocked, and subscribes again once unblocked', async () => {
    const { replica, sent } = await setup();
    replica.subscribe();
    replica.handleDocError(DocErrorCode.notMember, 'not a member');
    sent.splice(0);
    replica.subscribe();
    expect(sent).toEqual([]);
    replica.unblock();
    expect(replica.status.kind).toBe('offline');
    replica.subscribe();
    expect(sent.map((m) => m.type)).toEqual([MessageType.subscribe, MessageType.doc]);
  });

  it('logs a `subscribed` it did not ask for and stays unsubscribed', async () => {
    const { replica, logs } = await setup();
    replica.handleSubscribed(DocAccess.write);
    expect(logs).toContain('unexpected_subscribed');
    expect(replica.isSubscribed).toBe(false);
  });
});

/** The y-sync steps among sent frames: 'step1', 'step1 (empty)' (a reset's), 'step2', 'update'. */
function sentSyncSteps(messages: ClientMessage[]): string[] {
  const steps: string[] = [];
  for (const message of messages) {
    if (message.type !== MessageType.doc) continue;
    const decoder = decoding.createDecoder(message.payload);
    if (decoding.readVarUint(decoder) !== YMessageType.sync) continue;
    const kind = decoding.readVarUint(decoder);
    const data = decoding.readVarUint8Array(decoder);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      steps.push(Y.decodeStateVector(data).size === 0 ? 'step1 (empty)' : 'step1');
    } else {
      steps.push(kind === syncProtocol.messageYjsSyncStep2 ? 'step2' : 'update');
    }
  }
  return steps;
}
