import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { CloseCode, DocAccess, MessageType, encodeDocFrame } from '@desk/protocol';
import type { SyncLimits } from '../../../sync-server/src/sync/SyncLimits.ts';
import {
  PUBLIC_URL,
  startSyncServer,
  type SyncTestServer,
} from '../../support/sync/startSyncServer.ts';
import { TestSyncClient, type TestClientOptions } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', sessionId: 's-ana', workspaces: { ws1: 'write', ws2: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
} as const;

describe('the /sync endpoint with a bad or unlucky client', () => {
  let t: SyncTestServer | null = null;
  const clients: TestSyncClient[] = [];
  const start = async (limits: Partial<SyncLimits> = {}) => {
    t = await startSyncServer(users, limits);
    return t;
  };
  const connect = async (options: TestClientOptions) => {
    const client = await TestSyncClient.connect(t!.url, options);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await t?.stop();
    t = null;
  });

  /** The stored text of a doc's `t` field. */
  const storedText = async (docId: string) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await t!.server.sync.readDocState(docId));
    return doc.getText('t').toString();
  };

  it('CONN-5 closes a socket that sends a malformed frame with 4400, logs it, and leaves the doc and others alone', async () => {
    await start();
    const ana = await connect({ token: 'tok-ana' });
    const ben = await connect({ token: 'tok-ben' });
    const anaDoc = ana.subscribe('ws1:index');
    const benDoc = ben.subscribe('ws1:index');
    await Promise.all([ana.synced('ws1:index'), ben.synced('ws1:index')]);
    anaDoc.getText('t').insert(0, 'kept');
    await ben.until(() => benDoc.getText('t').toString() === 'kept');

    ben.sendRaw(new Uint8Array([0xff, 0xff, 0xff]));
    expect((await ben.closed).code).toBe(CloseCode.malformedFrame);
    expect(ben.messages).toContainEqual(
      expect.objectContaining({ type: MessageType.error, code: CloseCode.malformedFrame }),
    );
    expect(t!.logs).toContainEqual(expect.objectContaining({ msg: 'malformed sync frame' }));

    anaDoc.getText('t').insert(4, '!');
    await ana.allAcked('ws1:index');
    expect(await storedText('ws1:index')).toBe('kept!');
  });

  it('WRITE-6 closes with 4400 on an update that does not decode, and stores nothing of it', async () => {
    await start();
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0); // sync
    encoding.writeVarUint(encoder, 2); // update
    encoding.writeVarUint8Array(encoder, new Uint8Array([5, 200, 1, 7, 7, 7]));
    ana.sendDoc('ws1:index', encoding.toUint8Array(encoder));
    expect((await ana.closed).code).toBe(CloseCode.malformedFrame);
    expect(t!.server.sync.workspaceSeq('ws1')).toBe(0);
  });

  it('LIMIT-1 closes with 4413 on a message above the size limit', async () => {
    await start({ maxMessageBytes: 64 * 1024 });
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    ana.sendDoc('ws1:index', new Uint8Array(100 * 1024));
    expect((await ana.closed).code).toBe(CloseCode.messageTooLarge);
  });

  it('LIMIT-2 refuses an update above the update limit with update_too_large and keeps the socket', async () => {
    await start({ maxUpdateBytes: 1024 });
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    doc.getText('t').insert(0, 'x'.repeat(5000));
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:index', code: 'update_too_large' });
    expect(await storedText('ws1:index')).toBe('');
    doc.getText('small').insert(0, 'fine');
    await ana.until(() => ana.docs.get('ws1:index')!.acked === 1);
  });

  it("LIMIT-3 refuses an update that would take a document past the plan's size limit with doc_too_large", async () => {
    const server = await start();
    server.auth.maxDocBytes = 4 * 1024;
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    doc.getText('t').insert(0, 'x'.repeat(3 * 1024));
    await ana.allAcked('ws1:index');
    doc.getText('t').insert(0, 'y'.repeat(2 * 1024));
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:index', code: 'doc_too_large' });
    expect(await storedText('ws1:index')).toBe('x'.repeat(3 * 1024));
  });

  it('FLOW-4 terminates a socket that stops answering pings, and removes its presence', async () => {
    await start({ heartbeatMs: 500 });
    const ana = await connect({ token: 'tok-ana' });
    const ben = await connect({ token: 'tok-ben' });
    ana.subscribe('ws1:index', new Y.Doc(), true);
    ben.subscribe('ws1:index', new Y.Doc(), true);
    await Promise.all([ana.synced('ws1:index'), ben.synced('ws1:index')]);
    ana.awareness('ws1:index').setLocalState({ name: 'Ana' });
    const anaClientId = ana.docs.get('ws1:index')!.doc.clientID;
    await ben.until(() => ben.awareness('ws1:index').getStates().has(anaClientId));
    (ana.ws as unknown as { _socket: Socket })._socket.pause(); // a peer gone silent
    await ben.until(() => !ben.awareness('ws1:index').getStates().has(anaClientId));
    expect(t!.logs).toContainEqual(
      expect.objectContaining({ msg: 'sync socket unresponsive; terminated' }),
    );
  });

  it('CONN-1 closes with 4409 on another protocol version and 4400 when hello is missing', async () => {
    await start();
    const old = await connect({ token: 'tok-ana', protocolVersion: 999 });
    expect((await old.closed).code).toBe(CloseCode.protocolVersion);
    const rude = await connect({ token: 'tok-ana', noHello: true });
    rude.send({ type: MessageType.subscribe, docId: 'ws1:index' });
    expect((await rude.closed).code).toBe(CloseCode.malformedFrame);
  });

  it('CONN-3 closes with 4401 without credentials or with an unknown token, telling why first', async () => {
    await start();
    const anonymous = await connect({});
    expect((await anonymous.closed).code).toBe(CloseCode.unauthenticated);
    expect(anonymous.messages).toContainEqual(
      expect.objectContaining({ type: MessageType.error, code: CloseCode.unauthenticated }),
    );
    const wrong = await connect({ token: 'nope' });
    expect((await wrong.closed).code).toBe(CloseCode.unauthenticated);
  });

  it('CONN-3 closes with 4403 a cookie-authenticated upgrade from a foreign Origin', async () => {
    await start();
    const hijack = await connect({ cookie: 'sid=tok-ana', origin: 'https://evil.example' });
    expect((await hijack.closed).code).toBe(CloseCode.foreignOrigin);
    const own = await connect({ cookie: 'sid=tok-ana', origin: PUBLIC_URL });
    expect(own.messages.some((m) => m.type === MessageType.welcome)).toBe(true);
  });

  it('FLOW-1 closes a slow consumer with 4429 instead of buffering for it or slowing the room', async () => {
    await start({ maxBufferedBytes: 64 * 1024 });
    const ana = await connect({ token: 'tok-ana' });
    const slow = await connect({ token: 'tok-ben' });
    const doc = ana.subscribe('ws1:index', new Y.Doc(), true);
    slow.subscribe('ws1:index');
    await Promise.all([ana.synced('ws1:index'), slow.synced('ws1:index')]);
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    // Presence is relayed without touching the store: a cheap way to push megabytes at a
    // client that does not read, until the kernel buffers are full and the server's fills.
    const blob = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) ana.awareness('ws1:index').setLocalState({ i, blob });
    // Frames are handled in order: once this update is acked, the presence went out.
    doc.getText('t').insert(0, 'done');
    await ana.allAcked('ws1:index');
    socket.resume();
    expect((await slow.closed).code).toBe(CloseCode.slowConsumer);
    expect(ana.closeInfo).toBeNull();
  });

  it('CONN-4 closes with 4408 when too many bytes wait for authorization', async () => {
    const server = await start({ pendingMaxBytes: 16 * 1024 });
    server.auth.hold();
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    for (let i = 0; i < 10; i++) ana.sendDoc('ws1:index', new Uint8Array(4 * 1024).fill(1));
    expect((await ana.closed).code).toBe(CloseCode.authQueueExceeded);
  });

  it('CONN-4 closes with 4408 when too many documents wait for authorization', async () => {
    const server = await start({ pendingMaxDocs: 3 });
    server.auth.hold();
    const ana = await connect({ token: 'tok-ana' });
    for (let i = 0; i < 4; i++)
      ana.send({ type: MessageType.subscribe, docId: `ws1:ticket:t${i}` });
    expect((await ana.closed).code).toBe(CloseCode.authQueueExceeded);
  });

  it('CONN-4 closes with 4408 when authorization does not come before the deadline', async () => {
    const server = await start({ pendingDeadlineMs: 100 });
    server.auth.hold();
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    expect((await ana.closed).code).toBe(CloseCode.authQueueExceeded);
  });

  it('CONN-4 answers queued frames in order once authorization arrives', async () => {
    const server = await start();
    const release = server.auth.hold();
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:index');
    doc.getText('t').insert(0, 'queued');
    release();
    await ana.synced('ws1:index');
    await ana.allAcked('ws1:index');
    expect(await storedText('ws1:index')).toBe('queued');
  });

  it('SUB-1 refuses a subscription past the per-socket document limit with too_many_docs', async () => {
    await start({ maxDocsPerSocket: 2 });
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:a');
    ana.subscribe('ws1:b');
    ana.subscribe('ws1:c');
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:c', code: 'too_many_docs' });
  });

  it("SUB-1 refuses another member's private per-user document with not_member, and allows one's own", async () => {
    await start();
    const ben = await connect({ token: 'tok-ben' });
    ben.subscribe('ws1:user:ana');
    const refusal = await ben.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:user:ana', code: 'not_member' });
    ben.subscribe('ws1:user:ben');
    await ben.synced('ws1:user:ben');
  });

  it('ACCESS-1 closes the socket of a revoked session at once with 4402', async () => {
    const server = await start();
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    server.server.ctx.access.emit('sessionsRevoked', { sessionIds: ['s-ana'] });
    expect((await ana.closed).code).toBe(CloseCode.sessionRevoked);
  });

  it('ACCESS-1 closes the socket of a revoked token and of a suspended user with 4402', async () => {
    const server = await start();
    const ana = await connect({ token: 'tok-ana' });
    const ben = await connect({ token: 'tok-ben' });
    server.server.ctx.access.emit('tokensRevoked', { tokenIds: ['token-ana'] });
    server.server.ctx.access.emit('userSuspended', { userId: 'ben' });
    expect((await ana.closed).code).toBe(CloseCode.sessionRevoked);
    expect((await ben.closed).code).toBe(CloseCode.sessionRevoked);
  });

  it('ACCESS-2 ends the subscriptions of a removed member with access_revoked and keeps the others', async () => {
    const server = await start();
    const ana = await connect({ token: 'tok-ana' });
    ana.subscribe('ws1:index');
    const other = ana.subscribe('ws2:index');
    await Promise.all([ana.synced('ws1:index'), ana.synced('ws2:index')]);
    server.auth.setGrant('ana', 'ws1', null);
    server.server.ctx.access.emit('membershipChanged', {
      workspaceId: 'ws1',
      userId: 'ana',
      role: null,
    });
    const revoked = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(revoked).toMatchObject({ docId: 'ws1:index', code: 'access_revoked' });
    other.getText('t').insert(0, 'still here');
    await ana.allAcked('ws2:index');
    expect(await storedText('ws2:index')).toBe('still here');
  });

  it('ACCESS-3 downgrades the subscriptions of a workspace that became read-only and refuses writes', async () => {
    const server = await start();
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    server.auth.setGrant('ana', 'ws1', 'workspace_read_only');
    const from = ana.messages.length;
    server.server.ctx.access.emit('workspaceStateChanged', { workspaceId: 'ws1' });
    await ana.waitFor((m) => m.type === MessageType.docError, from);
    expect(ana.messages.slice(from)).toEqual([
      // Since protocol 3 it also carries the plan's limits (LIMIT-11).
      expect.objectContaining({
        type: MessageType.subscribed,
        docId: 'ws1:index',
        access: DocAccess.read,
      }),
      expect.objectContaining({ docId: 'ws1:index', code: 'workspace_read_only' }),
    ]);
    doc.getText('t').insert(0, 'refused');
    await ana.waitFor((m) => m.type === MessageType.docError, from + 2);
    expect(await storedText('ws1:index')).toBe('');
  });

  it('WRITE-5 refuses updates with storage_unavailable when the store fails, and loads fail as errors', async () => {
    const server = await start();
    const ana = await connect({ token: 'tok-ana' });
    const doc = ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    server.server.ctx.db.exec('DROP TABLE doc_updates');
    doc.getText('t').insert(0, 'lost?');
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:index', code: 'storage_unavailable' });
    expect(t!.logs).toContainEqual(
      expect.objectContaining({ msg: 'sync store write failed; updates refused' }),
    );

    server.server.ctx.db.exec('DROP TABLE docs');
    ana.subscribe('ws1:ticket:t1');
    const loadError = await ana.waitFor(
      (m) => m.type === MessageType.docError && m.docId === 'ws1:ticket:t1',
    );
    expect(loadError).toMatchObject({ code: 'storage_unavailable' });
    expect(ana.messages).not.toContainEqual(
      expect.objectContaining({ type: MessageType.subscribed, docId: 'ws1:ticket:t1' }),
    );
  });

  it('SUB-4 ignores frames for a document it is not subscribed to', async () => {
    await start();
    const ana = await connect({ token: 'tok-ana' });
    ana.sendRaw(encodeDocFrame('ws1:index', new Uint8Array([0, 2, 2, 0, 0])));
    ana.subscribe('ws1:ticket:x');
    await ana.synced('ws1:ticket:x');
    expect(ana.closeInfo).toBeNull();
    expect(t!.server.sync.workspaceSeq('ws1')).toBe(0);
  });
});
