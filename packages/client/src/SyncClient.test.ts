import { CloseCode, DocAccess, DocErrorCode, MessageType } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { SyncError } from './doc/SyncError.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import type { SyncClientOptions } from './SyncClient.ts';
import { SyncClient } from './SyncClient.ts';
import { ManualClock } from './testing/ManualClock.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { MiniSyncServer } from './testing/MiniSyncServer.ts';
import type { MiniSyncServerOptions } from './testing/MiniSyncServer.ts';
import { until } from '@desk/protocol/testing';

const ws = 'ws1';
const docA = `${ws}:ticket:a`;
const docB = `${ws}:ticket:b`;

const defer = cleanupAfterEach();

async function startServer(options: MiniSyncServerOptions = {}) {
  const server = await MiniSyncServer.start(options);
  defer(() => server.stop());
  return server;
}

function connect(server: MiniSyncServer, options: Partial<SyncClientOptions> = {}) {
  const client = new SyncClient({
    url: server.url,
    WebSocket,
    store: new MemoryStore(),
    backoff: { baseMs: 20, maxMs: 100, minMs: 5 },
    releaseGraceMs: 0,
    ...options,
  });
  defer(() => client.close());
  return client;
}

const text = (doc: Y.Doc) => doc.getText('t').toString();

describe('SyncClient against a protocol-speaking server', () => {
  it('syncs an open doc both ways and reports it synced once the server acked every change', async () => {
    const server = await startServer();
    server.doc(docA).getText('t').insert(0, 'server ');
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenLoaded;
    await handle.whenSynced;
    expect(text(handle.doc)).toBe('server ');

    handle.doc.getText('t').insert(7, 'client');
    await until(() => text(server.doc(docA)) === 'server client', 'server to get the edit');
    await until(() => client.status.kind === 'synced', 'synced');
    expect(handle.status).toMatchObject({ kind: 'synced', pending: 0, readOnly: false });
    expect(client.pendingCount).toBe(0);
  });

  it('carries every doc over one socket', async () => {
    const server = await startServer();
    const client = connect(server);
    const handles = [docA, docB, `${ws}:index`, 'ws2:index'].map((id) => client.open(id));
    await Promise.all(handles.map((h) => h.whenSynced));
    expect(server.connections).toBe(1);
    expect(server.subscribedDocs().sort()).toEqual([docA, docB, `${ws}:index`, 'ws2:index'].sort());
  });

  it('counts changes not yet acknowledged, per doc and overall', async () => {
    const server = await startServer();
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    server.holdAcks = true;
    handle.doc.getText('t').insert(0, 'a');
    handle.doc.getText('t').insert(1, 'b');
    await until(() => text(server.doc(docA)) === 'ab', 'server to get both edits');
    expect(handle.pending).toBe(2);
    expect(client.pendingCount).toBe(2);
    expect(client.status.kind).toBe('syncing');
    server.releaseAcks();
    await until(() => handle.pending === 0, 'acks');
    await until(() => client.status.kind === 'synced', 'synced');
  });

  it('shares one replica between handles and unsubscribes when the last is released', async () => {
    const server = await startServer();
    const client = connect(server);
    const first = client.open(docA);
    const second = client.open(docA);
    expect(second.doc).toBe(first.doc);
    await first.whenSynced;
    first.release();
    first.release(); // idempotent
    expect(second.doc.isDestroyed).toBe(false);
    second.release();
    await until(
      () => server.received.some((m) => m.type === MessageType.unsubscribe && m.docId === docA),
      'unsubscribe',
    );
    expect(server.subscribedDocs()).toEqual([docA]);
  });

  it('keeps a released doc subscribed for the grace period, so reopening costs nothing', async () => {
    const server = await startServer();
    const clock = new ManualClock();
    const client = connect(server, { clock, releaseGraceMs: 3000 });
    const first = client.open(docA);
    await first.whenSynced;
    first.release();
    clock.advance(2999);
    const second = client.open(docA);
    await second.whenSynced;
    second.release();
    clock.advance(3000);
    await until(
      () => server.received.some((m) => m.type === MessageType.unsubscribe),
      'unsubscribe after the grace period',
    );
    expect(server.subscribedDocs()).toEqual([docA]);
  });

  it('WRITE-5 re-subscribes later when the server could not store a change, and delivers it', async () => {
    let failures = 1;
    const server = await startServer({
      refuse: (_docId, update) =>
        Y.decodeUpdate(update).structs.length > 0 && failures-- > 0
          ? { code: DocErrorCode.storageUnavailable, message: 'disk full' }
          : null,
    });
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'eventually');
    await until(() => text(server.doc(docA)) === 'eventually', 'delivered after a retry');
    await until(() => handle.status.kind === 'synced', 'synced');
    expect(server.subscribedDocs()).toEqual([docA, docA]);
    expect(handle.refused).toEqual([]);
  });

  it('CLIENT-2 re-subscribes after missing_dependencies and delivers the change, with no draft', async () => {
    let refusals = 1;
    const server = await startServer({
      refuse: (_docId, update) =>
        Y.decodeUpdate(update).structs.length > 0 && refusals-- > 0
          ? { code: DocErrorCode.missingDependencies, message: 'needs earlier changes' }
          : null,
    });
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'healed');
    await until(() => text(server.doc(docA)) === 'healed', 'delivered after a re-sync');
    await until(() => handle.status.kind === 'synced', 'synced');
    expect(server.subscribedDocs()).toEqual([docA, docA]);
    expect(handle.refused).toEqual([]);
  });

  it('sends presence through the doc frames and removes it on release', async () => {
    const server = await startServer();
    const alice = connect(server).open(docA);
    const bob = connect(server).open(docA);
    await Promise.all([alice.whenSynced, bob.whenSynced]);
    alice.awareness.setLocalStateField('user', { name: 'Alice' });
    await until(
      () => bob.awareness.getStates().get(alice.awareness.clientID)?.user !== undefined,
      'presence',
    );
    expect(bob.awareness.getStates().get(alice.awareness.clientID)).toEqual({
      user: { name: 'Alice' },
    });
    const aliceId = alice.awareness.clientID;
    alice.release();
    await until(() => !bob.awareness.getStates().has(aliceId), 'presence removed');
  });

  it('ends presence with the last handle even while the doc stays subscribed for a while', async () => {
    const server = await startServer();
    const alice = connect(server, { releaseGraceMs: 60_000 }).open(docA);
    const bob = connect(server).open(docA);
    await Promise.all([alice.whenSynced, bob.whenSynced]);
    alice.awareness.setLocalStateField('user', 'Alice');
    const aliceId = alice.awareness.clientID;
    await until(() => bob.awareness.getStates().has(aliceId), 'presence');
    alice.release();
    await until(() => !bob.awareness.getStates().has(aliceId), 'presence removed');
    expect(server.received.some((m) => m.type === MessageType.unsubscribe)).toBe(false);
  });

  it('reconnects after a server restart, re-subscribes open docs and pushes offline edits', async () => {
    const server = await startServer();
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    const statuses: string[] = [];
    client.subscribe((s) => statuses.push(s.kind));

    server.closeAll(CloseCode.serverRestarting, 'restarting');
    await until(() => client.status.kind !== 'synced', 'disconnect noticed');
    handle.doc.getText('t').insert(0, 'offline edit');
    expect(handle.pending).toBeGreaterThan(0);

    await until(() => text(server.doc(docA)) === 'offline edit', 'offline edit to arrive');
    await until(() => client.status.kind === 'synced' && handle.pending === 0, 'synced again');
    expect(server.subscribedDocs()).toEqual([docA, docA]);
    expect(statuses).toContain('offline');
  });

  it('CONN-6 stops retrying on a final close code and reports it', async () => {
    const server = await startServer();
    const client = connect(server);
    await until(() => client.status.kind === 'synced', 'connected');
    server.closeAll(CloseCode.sessionRevoked, 'session revoked');
    await until(() => client.status.kind === 'error', 'error status');
    expect(client.status.error).toEqual({
      code: CloseCode.sessionRevoked,
      message: 'session revoked',
    });
    // No retry is scheduled (Connection.test.ts checks the timers with a fake clock).
    expect(client.status.nextRetryAt).toBeUndefined();
  });

  it('reports a refused subscription on the doc, rejects whenSynced and does not retry it', async () => {
    const server = await startServer({
      access: (docId) => (docId === docB ? DocErrorCode.notMember : DocAccess.write),
    });
    const client = connect(server);
    const ok = client.open(docA);
    const refused = client.open(docB);
    await expect(refused.whenSynced).rejects.toBeInstanceOf(SyncError);
    await ok.whenSynced;
    expect(refused.status).toMatchObject({ kind: 'error', error: { code: 'not_member' } });

    server.closeAll(CloseCode.serverRestarting);
    await until(
      () => server.subscribedDocs().filter((id) => id === docA).length === 2,
      'resubscribe',
    );
    await until(() => client.status.kind === 'synced', 'synced again');
    expect(server.subscribedDocs().filter((id) => id === docB)).toHaveLength(1);
  });
});

describe('refused docs and the overall status', () => {
  it('reaches synced while a refused doc keeps its unsaved changes', async () => {
    const server = await startServer({
      access: (docId) => (docId === docB ? DocErrorCode.accessRevoked : DocAccess.write),
    });
    const client = connect(server);
    client.disconnect();
    const refused = client.open(docB);
    await refused.whenLoaded;
    refused.doc.getText('t').insert(0, 'written offline');
    client.reconnect();
    await until(() => refused.status.kind === 'error', 'refusal');
    await until(() => client.status.kind === 'synced', 'synced');
    expect(client.status.pendingUpdates).toBe(1);
    expect(refused.status).toMatchObject({ pending: 1, error: { code: 'access_revoked' } });
  });
});

describe('refused local changes', () => {
  it('CLIENT-1 keeps a refused change as a draft and rebuilds the replica from the server state', async () => {
    const server = await startServer({
      refuse: (docId, update) => {
        const probe = new Y.Doc();
        Y.applyUpdate(probe, Y.encodeStateAsUpdate(server.doc(docId)));
        Y.applyUpdate(probe, update);
        return probe.getText('t').toString().includes('TOO BIG')
          ? { code: DocErrorCode.updateTooLarge, message: 'update too large' }
          : null;
      },
    });
    server.doc(docA).getText('t').insert(0, 'kept');
    const store = new MemoryStore();
    const client = connect(server, { store });
    const handle = client.open(docA);
    await handle.whenSynced;
    const oldDoc = handle.doc;
    const replaced: Y.Doc[] = [];
    handle.on('replaced', ({ doc }) => replaced.push(doc));

    oldDoc.getText('t').insert(4, ' TOO BIG');
    await until(() => replaced.length === 1, 'replaced event');
    expect(handle.doc).toBe(replaced[0]);
    expect(text(handle.doc)).toBe('kept');
    expect(handle.refused).toHaveLength(1);
    expect(handle.refused[0]).toMatchObject({ code: 'update_too_large' });
    const draft = new Y.Doc();
    Y.applyUpdate(draft, Y.encodeStateAsUpdate(server.doc(docA)));
    Y.applyUpdate(draft, handle.refused[0]!.update);
    expect(text(draft)).toBe('kept TOO BIG');

    await until(() => handle.status.kind === 'synced', 'synced after reset');
    handle.doc.getText('t').insert(4, '!');
    await until(() => text(server.doc(docA)) === 'kept!', 'later edits to sync');
    await until(() => handle.pending === 0, 'acked');
    const stored = new Y.Doc();
    Y.applyUpdate(stored, store.storedState(docA)!);
    expect(text(stored)).toBe('kept!');
    expect((await store.getDrafts(docA)).map((d) => d.code)).toEqual(['update_too_large']);
  });

  it('refuses edits to a read-only doc on the client without sending them', async () => {
    const server = await startServer({ access: () => DocAccess.read });
    server.doc(docA).getText('t').insert(0, 'read me');
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    expect(handle.readOnly).toBe(true);
    const sentBefore = server.received.length;
    handle.doc.getText('t').insert(0, 'nope ');
    await until(() => handle.refused.length === 1, 'draft');
    expect(text(handle.doc)).toBe('read me');
    expect(handle.refused[0]!.code).toBe('read_only_role');
    const updates = server.received
      .slice(sentBefore)
      .filter((m) => m.type === MessageType.doc && m.payload[0] === 0 && m.payload[1] !== 0);
    expect(updates).toHaveLength(0);
  });

  it('resets the replica when the server refuses an update for a read-only workspace', async () => {
    let suspended = false;
    const server = await startServer({
      refuse: () =>
        suspended ? { code: DocErrorCode.workspaceReadOnly, message: 'suspended' } : null,
    });
    const client = connect(server);
    const handle = client.open(docA);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'saved');
    await until(() => handle.pending === 0 && text(server.doc(docA)) === 'saved', 'saved');
    suspended = true;
    handle.doc.getText('t').insert(5, ' refused');
    await until(() => handle.refused.length === 1, 'draft');
    expect(handle.readOnly).toBe(true);
    expect(text(handle.doc)).toBe('saved');
    expect(handle.refused[0]!.code).toBe('workspace_read_only');
  });
});

describe('local persistence', () => {
  it('loads a held doc from the local store with no server at all', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const first = connect(server, { store });
    const handle = first.open(docA);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'kept locally');
    await until(() => handle.pending === 0, 'acked');
    await first.close();

    const offline = new SyncClient({
      url: 'ws://127.0.0.1:1/sync',
      WebSocket,
      store,
      backoff: { baseMs: 1000 },
    });
    defer(() => offline.close());
    const reopened = offline.open(docA);
    await reopened.whenLoaded;
    expect(text(reopened.doc)).toBe('kept locally');
    expect(reopened.status.kind).toBe('offline');
  });
});

describe('catch-up', () => {
  it('SUB-6 re-syncs only the held docs that changed while the client was away', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const docIds = Array.from({ length: 200 }, (_, i) => `${ws}:ticket:t${i}`);
    for (const id of docIds) server.doc(id).getText('t').insert(0, 'v1');

    const first = connect(server, { store });
    const replication = first.replicate(docIds, { concurrency: 16 });
    const progress: number[] = [];
    replication.subscribe((p) => progress.push(p.done));
    expect(await replication.finished).toMatchObject({ total: 200, done: 200, failed: 0 });
    expect(progress.at(-1)).toBe(200);
    await until(() => first.status.kind === 'synced', 'first catch-up done');
    await first.close();

    const changed = docIds.filter((_, i) => i % 40 === 0);
    for (const id of changed) server.doc(id).getText('t').insert(2, '-v2');
    const mark = server.received.length;

    const second = connect(server, { store });
    await until(() => server.subscribedDocs(mark).length >= changed.length, 'catch-up subscribes');
    await until(() => second.status.kind === 'synced', 'second catch-up done');
    expect(server.subscribedDocs(mark).sort()).toEqual([...changed].sort());
    for (const id of changed) {
      const local = new Y.Doc();
      Y.applyUpdate(local, store.storedState(id)!);
      expect(text(local)).toBe('v1-v2');
    }

    // Nothing changed since: the next reconnect exchanges no doc at all.
    await second.close();
    const mark2 = server.received.length;
    const third = connect(server, { store });
    await until(
      () => server.received.slice(mark2).some((m) => m.type === MessageType.catchUp),
      'catch-up request',
    );
    await until(() => third.status.kind === 'synced', 'third settled');
    expect(server.subscribedDocs(mark2)).toEqual([]);
  });

  it('pushes offline edits of a doc nobody has open on the next connection', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const first = connect(server, { store });
    await first.replicate([docA]).finished;
    server.closeAll(CloseCode.serverRestarting);
    await until(() => first.status.kind !== 'synced', 'offline');
    const handle = first.open(docA);
    handle.doc.getText('t').insert(0, 'written offline');
    handle.release();
    await until(() => text(server.doc(docA)) === 'written offline', 'offline edit to arrive');
  });

  it('SUB-6 syncs every held doc when the server store generation changed', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const docIds = Array.from({ length: 20 }, (_, i) => `${ws}:ticket:g${i}`);
    const first = connect(server, { store });
    await first.replicate(docIds).finished;
    await until(() => first.status.kind === 'synced', 'first catch-up done');
    await first.close();

    server.generation = 'gen-2';
    const mark = server.received.length;
    const second = connect(server, { store });
    await until(() => server.subscribedDocs(mark).length === 20, 'full re-sync');
    await until(() => second.status.kind === 'synced', 'settled');
    expect(server.subscribedDocs(mark).sort()).toEqual([...docIds].sort());
    expect(await store.getWorkspaceMeta(ws)).toMatchObject({ generation: 'gen-2' });
  });
});
