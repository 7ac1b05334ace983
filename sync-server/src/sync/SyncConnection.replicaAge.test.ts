import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { DocErrorCode, MessageType, type ServerMessage } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import {
  clientFrame,
  docFrame,
  FakeSyncSocket,
  openSyncCore,
  type SyncCore,
} from '../testing/syncCore.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import { REPLICA_TOO_OLD_WORDS } from './DocSubscription.ts';
import { SyncConnection } from './SyncConnection.ts';
import { syncMessage, syncStep1Message, updateMessage } from './yMessages.ts';

// The offline-replica limit for every document (SPEC IDX-GEN-7): a /sync client names when
// its replica of the workspace last caught up; writes of a replica older than the limit are
// refused with replica_too_old until it reloads the doc (or shows it holds nothing new).

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const ticket = 'ws1:ticket:t1';
const LIMIT_MS = 60_000;
/** Far past the limit / well within it, so the test's own time does not matter. */
const tooOld = () => Date.now() - 100 * LIMIT_MS;
const recent = () => Date.now() - LIMIT_MS / 100;

describe('SyncConnection: the offline-replica limit', () => {
  let core: SyncCore | null = null;
  beforeEach(() => {
    core = openSyncCore(
      new StaticSyncAuth({ 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } }),
      { offlineReplicaMs: LIMIT_MS },
    );
  });
  afterEach(() => core?.close());

  const connect = (protocolVersion = 5) => {
    const socket = new FakeSyncSocket();
    const principal = { userId: 'ana', sessionId: 's-ana', tokenId: null };
    const connection = new SyncConnection(socket, principal, core!.services);
    connection.onMessage(clientFrame({ type: MessageType.hello, protocolVersion }));
    const of = <T extends ServerMessage['type']>(type: T): Of<T>[] =>
      socket.messages().filter((m): m is Of<T> => m.type === type);
    return { connection, of };
  };
  type Client = ReturnType<typeof connect>;

  /** Subscribes as a replica holding `doc`, stamped `replicaSyncedAt`; waits for the server's step 1. */
  const subscribe = async (client: Client, doc: Y.Doc, replicaSyncedAt?: number) => {
    client.connection.onMessage(
      clientFrame({
        type: MessageType.subscribe,
        docId: ticket,
        ...(replicaSyncedAt === undefined ? {} : { replicaSyncedAt }),
      }),
    );
    client.connection.onMessage(docFrame(ticket, syncStep1Message(doc)));
    await until(() => client.of(MessageType.doc).length > 0, "the server's sync step 1");
  };
  const step2 = (client: Client, update: Uint8Array) =>
    client.connection.onMessage(
      docFrame(ticket, syncMessage(syncProtocol.messageYjsSyncStep2, update)),
    );
  const send = (client: Client, update: Uint8Array) =>
    client.connection.onMessage(docFrame(ticket, updateMessage(update)));
  const answered = (client: Client) =>
    until(
      () => client.of(MessageType.ack).length + client.of(MessageType.docError).length > 0,
      'an ack or a refusal',
    );
  const stored = () => {
    const doc = new Y.Doc();
    for (const update of core!.store.load(ticket)?.log ?? []) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  };
  const offlineEdit = (text: string) => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    return doc;
  };

  it('IDX-GEN-7 refuses the offline work of a replica older than the limit, whole, with replica_too_old', async () => {
    const client = connect();
    const doc = offlineEdit('written 100 limits ago');
    await subscribe(client, doc, tooOld());
    step2(client, Y.encodeStateAsUpdate(doc));
    await answered(client);
    expect(client.of(MessageType.docError)).toEqual([
      {
        type: MessageType.docError,
        docId: ticket,
        code: DocErrorCode.replicaTooOld,
        message: REPLICA_TOO_OLD_WORDS,
      },
    ]);
    expect(client.of(MessageType.ack)).toEqual([]);
    expect(stored()).toBe('');
    // Updates made on that copy before the refusal arrived are refused too.
    doc.getText('t').insert(0, 'more ');
    send(client, Y.encodeStateAsUpdate(doc));
    await until(() => client.of(MessageType.docError).length === 2, 'the second refusal');
    expect(stored()).toBe('');
  });

  it('IDX-GEN-7 takes writes again once the client reloads the doc (a sync step 1 with an empty state vector)', async () => {
    const client = connect();
    const old = offlineEdit('stale');
    await subscribe(client, old, tooOld());
    step2(client, Y.encodeStateAsUpdate(old));
    await answered(client);
    // The reset: a fresh doc asks for the whole state, then the user writes on it.
    const fresh = new Y.Doc();
    client.connection.onMessage(docFrame(ticket, syncStep1Message(fresh)));
    fresh.getText('t').insert(0, 'current');
    send(client, Y.encodeStateAsUpdate(fresh));
    await until(() => client.of(MessageType.ack).length > 0, 'the ack');
    expect(stored()).toBe('current');
    expect(client.of(MessageType.docError)).toHaveLength(1);
  });

  it('IDX-GEN-7 clears the mark when the old replica holds nothing new: its later edits build on the server state', async () => {
    const writer = connect();
    const server = offlineEdit('on the server');
    await subscribe(writer, new Y.Doc(), Date.now());
    send(writer, Y.encodeStateAsUpdate(server));
    await until(() => writer.of(MessageType.ack).length > 0, "the writer's ack");

    const client = connect();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
    await subscribe(client, replica, tooOld());
    step2(client, Y.encodeStateAsUpdate(replica, Y.encodeStateVector(server)));
    await answered(client);
    const before = Y.encodeStateVector(replica);
    replica.getText('t').insert(0, 'now: ');
    send(client, Y.encodeStateAsUpdate(replica, before));
    await until(() => client.of(MessageType.ack).length >= 2, 'both acks');
    expect(client.of(MessageType.docError)).toEqual([]);
    expect(stored()).toBe('now: on the server');
  });

  it('IDX-GEN-7 takes the writes of a replica within the limit, and of one that names no age', async () => {
    for (const stamp of [recent(), undefined]) {
      const client = connect();
      const doc = offlineEdit(stamp === undefined ? 'b' : 'a');
      await subscribe(client, doc, stamp);
      step2(client, Y.encodeStateAsUpdate(doc));
      await answered(client);
      expect(client.of(MessageType.docError)).toEqual([]);
    }
    expect(stored()).toHaveLength(2);
  });

  it('IDX-GEN-7 answers catch-up with the server clock to protocol 5, not to older clients', async () => {
    for (const version of [5, 4]) {
      const client = connect(version);
      const before = Date.now();
      client.connection.onMessage(
        clientFrame({ type: MessageType.catchUp, workspaceId: 'ws1', sinceSeq: 0, generation: '' }),
      );
      await until(() => client.of(MessageType.catchUpResult).length > 0, 'the catch-up');
      const [result] = client.of(MessageType.catchUpResult);
      if (version === 5) expect(result?.serverTime).toBeGreaterThanOrEqual(before);
      else expect(result).not.toHaveProperty('serverTime');
    }
  });
});
