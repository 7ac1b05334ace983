import { CloseCode, decodeClientMessage, decodeServerMessage, MessageType } from '@desk/protocol';
import type { ClientMessage } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { startSyncServer } from '../../../test/support/sync/startSyncServer.ts';
import type { SyncTestServer } from '../../../test/support/sync/startSyncServer.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import type { WebSocketConstructor } from './connection/WebSocketLike.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import type { SyncClientOptions } from './SyncClient.ts';
import { SyncClient } from './SyncClient.ts';
import { until } from '@desk/protocol/testing';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';

// Against the real server (createServer on port 0, real SQLite in a temp dir), with the
// StaticSyncAuth test boundary in place of accounts.
const users = {
  'tok-ana': { userId: 'ana', sessionId: 's-ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  'tok-vic': { userId: 'vic', workspaces: { ws1: 'viewer' } },
} as const;

const defer = cleanupAfterEach();

async function start(dir?: string): Promise<SyncTestServer> {
  const t = await startSyncServer(users, {}, dir);
  defer(() => t.stop());
  return t;
}

/** A `ws` WebSocket that records every frame the client sends. */
function recordingWebSocket(sent: ClientMessage[]): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      const send = this.send.bind(this);
      this.send = ((data: Uint8Array) => {
        sent.push(decodeClientMessage(data));
        send(data);
      }) as typeof this.send;
    }
  };
}

/**
 * A recording `ws` WebSocket that calls `afterSubscribed` right after the client has handled
 * the server's `subscribed` for a doc: before the server's sync step 1, which arrives as a
 * frame of its own, so what the hook does lands in the gap between the two.
 */
function subscribingWebSocket(
  sent: ClientMessage[],
  afterSubscribed: (docId: string) => void,
): WebSocketConstructor {
  return class extends recordingWebSocket(sent) {
    override addEventListener(type: string, listener: (event: never) => void): void {
      if (type !== 'message') {
        super.addEventListener(type as 'open', listener as () => void);
        return;
      }
      super.addEventListener('message', (event: { data: unknown }) => {
        (listener as (event: { data: unknown }) => void)(event);
        const message = decodeServerMessage(new Uint8Array(event.data as ArrayBuffer));
        if (message.type === MessageType.subscribed) afterSubscribed(message.docId);
      });
    }
  } as unknown as WebSocketConstructor;
}

function client(
  url: () => string,
  token: string,
  options: Partial<SyncClientOptions> & { sent?: ClientMessage[] } = {},
): SyncClient {
  const { sent, ...rest } = options;
  const c = new SyncClient({
    url: () => `${url().replace(/^http/, 'ws')}/sync?token=${token}`,
    WebSocket: sent ? recordingWebSocket(sent) : WebSocket,
    store: new MemoryStore(),
    backoff: { baseMs: 50, maxMs: 200, minMs: 10 },
    releaseGraceMs: 0,
    ...rest,
  });
  defer(() => c.close());
  return c;
}

const text = (doc: Y.Doc) => doc.getText('t').toString();

async function storedText(t: SyncTestServer, docId: string): Promise<string> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
  return text(doc);
}

describe('SyncClient against the real sync server', () => {
  it('syncs a doc between two users and the server stores every acknowledged change', async () => {
    const t = await start();
    const ana = client(() => t.url, 'tok-ana').open('ws1:ticket:t1');
    const ben = client(() => t.url, 'tok-ben').open('ws1:ticket:t1');
    await Promise.all([ana.whenSynced, ben.whenSynced]);
    ana.doc.getText('t').insert(0, 'hello');
    await until(() => text(ben.doc) === 'hello', 'ben to see the edit');
    await until(() => ana.pending === 0 && ana.status.kind === 'synced', 'ana acked');
    expect(await storedText(t, 'ws1:ticket:t1')).toBe('hello');
  });

  it('sends a change made between `subscribed` and its own step 2 after that step 2: no missing dependencies, no resubscribe', async () => {
    const t = await start();
    const sent: ClientMessage[] = [];
    const events: string[] = [];
    let handle: ReturnType<SyncClient['open']> | null = null;
    let fieldsSet = false;
    const ana = client(() => t.url, 'tok-ana', {
      log: (event) => events.push(event),
      WebSocket: subscribingWebSocket(sent, (docId) => {
        // The new ticket's fields, set while its doc subscribes: they build on the title
        // written before, which the server will only get with our step 2.
        if (docId !== 'ws1:ticket:new' || fieldsSet) return;
        fieldsSet = true;
        handle?.doc.getText('t').insert(5, ' with fields');
      }),
    });
    handle = ana.open('ws1:ticket:new');
    handle.doc.getText('t').insert(0, 'Title');
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'saved');
    expect(await storedText(t, 'ws1:ticket:new')).toBe('Title with fields');
    expect(events).not.toContain('doc_error');
    const subscribes = sent.filter((m) => m.type === MessageType.subscribe);
    expect(subscribes).toHaveLength(1);
  });

  it('CHUNK-1 receives a first sync larger than the server’s send-buffer limit, in pieces, on one socket', async () => {
    const t = await startSyncServer(users, {
      maxBufferedBytes: 256 * 1024,
      catchUpChunkBytes: 64 * 1024,
    });
    defer(() => t.stop());
    const big = new Y.Doc();
    big.getText('t').insert(0, 'x'.repeat(2 * 1024 * 1024));
    await t.server.sync.applyServerUpdate('ws1:index', Y.encodeStateAsUpdate(big));
    const events: string[] = [];
    const ana = client(() => t.url, 'tok-ana', { log: (event) => events.push(event) });
    const handle = ana.open('ws1:index');
    await handle.whenSynced;
    expect(text(handle.doc)).toBe(text(big));
    handle.doc.getText('t').insert(0, 'after ');
    await until(() => handle.pending === 0, 'acked on the same socket');
    expect(events).not.toContain('closed');
  });

  it('SUB-6 catches up by exchanging only the docs that changed while it was away', async () => {
    const t = await start();
    const store = new MemoryStore();
    const docIds = Array.from({ length: 100 }, (_, i) => `ws1:ticket:c${i}`);
    const writer = client(() => t.url, 'tok-ben');
    const seeds = docIds.map((id) => writer.open(id));
    for (const h of seeds) h.doc.getText('t').insert(0, 'v1');
    await until(() => writer.status.kind === 'synced' && writer.pendingCount === 0, 'seeded');

    const first = client(() => t.url, 'tok-ana', { store });
    await first.replicate(docIds, { concurrency: 16 }).finished;
    await until(() => first.status.kind === 'synced', 'replicated and caught up');
    await first.close();

    const changed = docIds.filter((_, i) => i % 20 === 3);
    for (const id of changed) seeds[docIds.indexOf(id)]!.doc.getText('t').insert(2, '+v2');
    await until(() => writer.status.kind === 'synced' && writer.pendingCount === 0, 'changed');

    const sent: ClientMessage[] = [];
    const second = client(() => t.url, 'tok-ana', { store, sent });
    await until(() => sent.some((m) => m.type === MessageType.catchUp), 'catch-up sent');
    await until(() => second.status.kind === 'synced', 'caught up');
    const subscribed = sent.flatMap((m) => (m.type === MessageType.subscribe ? [m.docId] : []));
    expect(subscribed.sort()).toEqual([...changed].sort());
    for (const id of changed) {
      const local = new Y.Doc();
      Y.applyUpdate(local, store.storedState(id)!);
      expect(text(local)).toBe('v1+v2');
    }
  });

  it('reconnects after a server restart and delivers the edits made while it was down', async () => {
    const temp = makeTempDir('desk-client-');
    defer(() => temp.remove());
    let t = await startSyncServer(users, {}, temp.dir);
    const ana = client(() => t.url, 'tok-ana');
    const handle = ana.open('ws1:ticket:r1');
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'before ');
    await until(() => handle.pending === 0, 'acked');

    await t.server.stop(); // graceful: sockets closed with 1012
    await until(() => ana.status.kind === 'offline' || ana.status.kind === 'connecting', 'offline');
    handle.doc.getText('t').insert(7, 'during');
    expect(handle.pending).toBeGreaterThan(0);

    t = await startSyncServer(users, {}, temp.dir);
    defer(() => t.stop());
    await until(() => ana.status.kind === 'synced' && handle.pending === 0, 'synced again', 20_000);
    expect(await storedText(t, 'ws1:ticket:r1')).toBe('before during');
  });

  it('keeps a viewer’s edit as a draft without sending it, and the replica stays equal', async () => {
    const t = await start();
    const ben = client(() => t.url, 'tok-ben').open('ws1:notice:n1');
    await ben.whenSynced;
    ben.doc.getText('t').insert(0, 'announcement');
    await until(() => ben.pending === 0, 'saved');

    const vic = client(() => t.url, 'tok-vic').open('ws1:notice:n1');
    await vic.whenSynced;
    expect(vic.readOnly).toBe(true);
    vic.doc.getText('t').insert(0, 'graffiti ');
    await until(() => vic.refused.length === 1, 'draft');
    expect(vic.refused[0]!.code).toBe('read_only_role');
    expect(text(vic.doc)).toBe('announcement');
    expect(await storedText(t, 'ws1:notice:n1')).toBe('announcement');
  });

  it('reports not_member for a doc of another workspace', async () => {
    const t = await start();
    const handle = client(() => t.url, 'tok-ben').open('ws9:index');
    await expect(handle.whenSynced).rejects.toMatchObject({ code: 'not_member' });
    expect(handle.status).toMatchObject({ kind: 'error', error: { code: 'not_member' } });
  });

  it('turns an open doc read-only when the role changes, without replacing it', async () => {
    const t = await start();
    const ana = client(() => t.url, 'tok-ana').open('ws1:index');
    await ana.whenSynced;
    const doc = ana.doc;
    t.auth.setGrant('ana', 'ws1', 'viewer');
    t.server.ctx.access.emit('membershipChanged', {
      workspaceId: 'ws1',
      userId: 'ana',
      role: 'viewer',
    });
    await until(() => ana.readOnly, 'read-only');
    expect(ana.doc).toBe(doc);
    expect(ana.status.kind).toBe('synced');
  });

  it('reports access_revoked when the membership is removed', async () => {
    const t = await start();
    const ana = client(() => t.url, 'tok-ana').open('ws1:index');
    await ana.whenSynced;
    t.auth.setGrant('ana', 'ws1', null);
    t.server.ctx.access.emit('membershipChanged', {
      workspaceId: 'ws1',
      userId: 'ana',
      role: null,
    });
    await until(() => ana.status.kind === 'error', 'error');
    expect(ana.status.error?.code).toBe('access_revoked');
  });

  it('CONN-6 stops retrying when the session is revoked', async () => {
    const t = await start();
    const ana = client(() => t.url, 'tok-ana');
    await ana.open('ws1:index').whenSynced;
    t.server.ctx.access.emit('sessionsRevoked', { sessionIds: ['s-ana'] });
    await until(() => ana.status.kind === 'error', 'error');
    expect(ana.status.error?.code).toBe(CloseCode.sessionRevoked);
    expect(ana.status.nextRetryAt).toBeUndefined();
  });
});
