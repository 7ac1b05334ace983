import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, DocErrorCode, YMessageType } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { FakeSyncSocket, openSyncCore, type SyncCore } from '../testing/syncCore.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { SyncLimits } from './SyncLimits.ts';
import { syncMessage, syncStep1Message, updateMessage } from './yMessages.ts';
import { YjsConnection } from './YjsConnection.ts';

// The connection of the stock y-websocket endpoint (`/yjs/:docId`), over a fake socket and
// the real core. Stock providers against a real server: test/system/sync/yWebsocketCompat.

const ticket = 'ws1:ticket:t1';

describe('YjsConnection', () => {
  let auth: StaticSyncAuth;
  let core: SyncCore | null;

  beforeEach(() => {
    auth = new StaticSyncAuth({
      'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
      'tok-vic': { userId: 'vic', workspaces: { ws1: 'viewer' } },
    });
    core = null;
  });
  afterEach(() => core?.close());

  const start = (limits: Partial<SyncLimits> = {}): SyncCore => (core = openSyncCore(auth, limits));

  /** A provider's connection to `docId`; resolves once the server's sync step 1 came. */
  const open = async (userId = 'ana', docId = ticket) => {
    const socket = new FakeSyncSocket();
    const connection = new YjsConnection(
      socket,
      { userId, sessionId: null, tokenId: `t-${userId}` },
      core!.services,
    );
    connection.start(docId, docId.split(':')[0]!);
    await until(() => socket.frames.length > 0 || !socket.isOpen, 'the first frame or a close');
    return { socket, connection };
  };

  /** Sends an update of `text` written by a fresh client; returns that client's doc. */
  const write = (connection: YjsConnection, text: string, kind = syncProtocol.messageYjsUpdate) => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    const update = Y.encodeStateAsUpdate(doc);
    connection.onMessage(
      Buffer.from(
        kind === syncProtocol.messageYjsUpdate ? updateMessage(update) : syncMessage(kind, update),
      ),
    );
    return doc;
  };

  const storedText = () => {
    const doc = new Y.Doc();
    for (const update of core!.store.load(ticket)?.log ?? []) Y.applyUpdate(doc, update);
    return doc.getText('t').toString();
  };

  /** The y-protocols sync message type of a frame the server sent, or null for another kind. */
  const syncTypeOf = (frame: Uint8Array): number | null => {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== YMessageType.sync) return null;
    return decoding.readVarUint(decoder);
  };

  it('YJS-1 speaks first with a bare sync step 1 once the doc is authorized and loaded, like the reference server', async () => {
    start();
    const { socket } = await open();
    expect(socket.frames.map(syncTypeOf)).toEqual([syncProtocol.messageYjsSyncStep1]);
  });

  it('YJS-1 stores a provider’s update and answers its sync step 1 with what it lacks', async () => {
    start();
    const writer = await open();
    const written = write(writer.connection, 'hello');
    await until(() => storedText() === 'hello', 'the stored update');
    const reader = await open('vic');
    reader.connection.onMessage(Buffer.from(syncStep1Message(new Y.Doc())));
    await until(
      () => reader.socket.frames.some((f) => syncTypeOf(f) === syncProtocol.messageYjsSyncStep2),
      'the step 2',
    );
    const step2 = reader.socket.frames.find(
      (f) => syncTypeOf(f) === syncProtocol.messageYjsSyncStep2,
    )!;
    const decoder = decoding.createDecoder(step2);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, decoding.readVarUint8Array(decoder));
    expect(replica.getText('t').toString()).toBe(written.getText('t').toString());
    expect(writer.socket.isOpen).toBe(true);
  });

  it('YJS-2 closes a doc of a workspace the user is not in with 4404, the DocErrorCode as reason', async () => {
    start();
    const { socket } = await open('ana', 'ws2:index');
    expect(socket.closedWith).toEqual({
      code: CloseCode.docRefused,
      reason: DocErrorCode.notMember,
    });
    expect(socket.frames).toEqual([]);
  });

  it('YJS-2 closes a provider whose update the store refused, its workspace being purged, with 4404 workspace_deleted; nothing is stored', async () => {
    start();
    const { socket, connection } = await open();
    // Another process began the purge before this one heard of it.
    core!.store.closeWorkspace('ws1');
    write(connection, 'too late');
    await until(() => socket.closedWith !== null, 'the close');
    expect(socket.closedWith).toEqual({
      code: CloseCode.docRefused,
      reason: DocErrorCode.workspaceDeleted,
    });
    expect(storedText()).toBe('');
  });

  it('YJS-4 closes a viewer that changes the doc with 4423 read_only_role; nothing is stored', async () => {
    start();
    const { socket, connection } = await open('vic');
    write(connection, 'not allowed');
    await until(() => socket.closedWith !== null, 'the close');
    expect(socket.closedWith).toEqual({
      code: CloseCode.readOnly,
      reason: DocErrorCode.readOnlyRole,
    });
    expect(storedText()).toBe('');
  });

  it('YJS-4 drops a viewer’s step 2 that repeats what the server has, and keeps the socket', async () => {
    start();
    const writer = await open();
    const written = write(writer.connection, 'shared');
    await until(() => storedText() === 'shared', 'the stored update');
    const viewer = await open('vic');
    viewer.connection.onMessage(
      Buffer.from(syncMessage(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(written))),
    );
    // A marker after it: once the writer's next update is stored, the viewer's was handled.
    write(writer.connection, 'marker');
    await until(() => storedText().includes('marker'), 'the marker');
    expect(viewer.socket.isOpen).toBe(true);
  });

  it('LIMIT-2 YJS-3 closes a writer with 4414 for an update over maxUpdateBytes; nothing is stored', async () => {
    start({ maxUpdateBytes: 64 });
    const { socket, connection } = await open();
    write(connection, 'x'.repeat(200));
    await until(() => socket.closedWith !== null, 'the close');
    expect(socket.closedWith).toEqual({
      code: CloseCode.updateTooLarge,
      reason: DocErrorCode.updateTooLarge,
    });
    expect(storedText()).toBe('');
  });

  it('CONN-4 closes with 4400 a frame that is no y-protocols message while the doc is pending', () => {
    start();
    auth.hold();
    const socket = new FakeSyncSocket();
    const connection = new YjsConnection(
      socket,
      { userId: 'ana', sessionId: null, tokenId: 't-ana' },
      core!.services,
    );
    connection.start(ticket, 'ws1');
    connection.onMessage(Buffer.from([0x7f, 0x00]));
    expect(socket.closedWith?.code).toBe(CloseCode.malformedFrame);
  });

  it('CONN-4 keeps a query for presence (its type alone, one byte) sent while the doc is pending', async () => {
    start();
    const release = auth.hold();
    const socket = new FakeSyncSocket();
    const connection = new YjsConnection(
      socket,
      { userId: 'ana', sessionId: null, tokenId: 't-ana' },
      core!.services,
    );
    connection.start(ticket, 'ws1');
    connection.onMessage(Buffer.from([YMessageType.queryAwareness]));
    expect(socket.closedWith).toBeNull();
    release();
    await until(() => socket.frames.length > 0 || !socket.isOpen, 'the first frame or a close');
    expect(socket.closedWith).toBeNull();
    expect(syncTypeOf(socket.frames[0]!)).toBe(syncProtocol.messageYjsSyncStep1);
  });
});
