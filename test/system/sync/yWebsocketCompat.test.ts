import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CloseCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { openStockProvider, providerSynced } from '../../support/sync/stockProvider.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  'tok-vic': { userId: 'vic', workspaces: { ws1: 'viewer' } },
} as const;

describe('the y-websocket compatible endpoint /yjs/:docId', () => {
  let t: SyncTestServer;
  const providers: WebsocketProvider[] = [];
  const clients: TestSyncClient[] = [];

  /** The stock provider, unmodified: only the WebSocket class (Node) and the token. */
  const provider = (docId: string, token: string | null, doc = new Y.Doc()) => {
    const p = openStockProvider(t.url, docId, token, doc);
    providers.push(p);
    return p;
  };
  const synced = providerSynced;
  const closedWith = (p: WebsocketProvider) =>
    new Promise<number>((resolve) => p.once('closed', (event) => resolve(event.code)));
  beforeEach(async () => {
    t = await startSyncServer(users);
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.ws.terminate();
    await t.stop();
  });

  it('YJS-1 syncs two stock WebsocketProviders and a multiplexed client on one document', async () => {
    const a = provider('ws1:ticket:t1', 'tok-ana');
    const b = provider('ws1:ticket:t1', 'tok-ben');
    await Promise.all([synced(a), synced(b)]);
    const mux = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(mux);
    const muxDoc = mux.subscribe('ws1:ticket:t1');
    await mux.synced('ws1:ticket:t1');
    a.doc.getText('t').insert(0, 'from a ');
    await until(() => b.doc.getText('t').toString() === 'from a ', 'b to hold the text');
    await mux.until(() => muxDoc.getText('t').toString() === 'from a ');
    muxDoc.getText('t').insert(7, 'and mux');
    await until(() => a.doc.getText('t').toString() === 'from a and mux', 'a to hold the text');
    await until(() => b.doc.getText('t').toString() === 'from a and mux', 'b to hold the text');
    await mux.allAcked('ws1:ticket:t1');

    const stored = new Y.Doc();
    Y.applyUpdate(stored, await t.server.sync.readDocState('ws1:ticket:t1'));
    expect(stored.getText('t').toString()).toBe('from a and mux');
  });

  it('YJS-1 gives a late provider the stored document', async () => {
    const a = provider('ws1:index', 'tok-ana');
    await synced(a);
    a.doc.getMap('m').set('k', 'v');
    const mux = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(mux);
    const muxDoc = mux.subscribe('ws1:index');
    await mux.until(() => muxDoc.getMap('m').get('k') === 'v');
    a.destroy();
    const late = provider('ws1:index', 'tok-ben');
    await synced(late);
    expect(late.doc.getMap('m').get('k')).toBe('v');
  });

  it('PRES-1 relays presence between a stock provider and a multiplexed client', async () => {
    const a = provider('ws1:index', 'tok-ana');
    await synced(a);
    a.awareness.setLocalState({ name: 'Ana' });
    const mux = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(mux);
    mux.subscribe('ws1:index', new Y.Doc(), true);
    await mux.until(
      () => mux.awareness('ws1:index').getStates().get(a.doc.clientID)?.name === 'Ana',
    );
    a.destroy();
    await mux.until(() => !mux.awareness('ws1:index').getStates().has(a.doc.clientID));
  });

  it('YJS-2 closes with 4404 (the provider stops retrying) for a workspace the user is not in', async () => {
    const p = provider('ws9:index', 'tok-ana');
    expect(await closedWith(p)).toBe(CloseCode.docRefused);
    expect(p.shouldConnect).toBe(false);
  });

  it('YJS-2 closes with 4401 without a token', async () => {
    const p = provider('ws1:index', null);
    expect(await closedWith(p)).toBe(CloseCode.unauthenticated);
  });

  it('YJS-2 closes with 4404 a doc id that is not one, and answers 404 to an upgrade elsewhere', async () => {
    const p = provider('not-a-doc-id', 'tok-ana');
    expect(await closedWith(p)).toBe(CloseCode.docRefused);

    const elsewhere = new WebSocket(`${t.url.replace('http', 'ws')}/api/nowhere?token=tok-ana`);
    const status = await new Promise<number | undefined>((resolve) => {
      elsewhere.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      elsewhere.once('open', () => resolve(undefined));
      elsewhere.once('error', () => undefined);
    });
    expect(status).toBe(404);
    elsewhere.terminate();
  });

  it('YJS-4 closes a viewer that changes the document with 4423 (read_only_role); nothing of it is stored or forwarded', async () => {
    const writer = provider('ws1:index', 'tok-ana');
    const viewer = provider('ws1:index', 'tok-vic');
    await Promise.all([synced(writer), synced(viewer)]);
    writer.doc.getText('u').insert(0, 'abc');
    writer.doc.getText('u').delete(1, 1);
    await until(() => viewer.doc.getText('u').toString() === 'ac', 'viewer to hold the text');

    // A reconnect repeats the viewer's whole delete set in its step 2: that changes nothing
    // and is not refused.
    viewer.disconnect();
    viewer.connect();
    await synced(viewer);
    writer.doc.getText('u').insert(2, 'd');
    await until(() => viewer.doc.getText('u').toString() === 'acd', 'viewer to hold the text');
    expect(viewer.shouldConnect).toBe(true);

    const closing = new Promise<{ code: number; reason: string }>((resolve) =>
      viewer.once('closed', resolve),
    );
    viewer.doc.getText('t').insert(0, 'nope');
    expect(await closing).toEqual({ code: CloseCode.readOnly, reason: 'read_only_role' });
    expect(viewer.shouldConnect).toBe(false);
    // Anything forwarded would have reached the writer before its own later change did.
    const mux = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(mux);
    const muxDoc = mux.subscribe('ws1:index');
    await mux.synced('ws1:index');
    writer.doc.getText('u').insert(0, '>');
    await mux.until(() => muxDoc.getText('u').toString() === '>acd');
    expect(writer.doc.getText('t').toString()).toBe('');
    expect(muxDoc.getText('t').toString()).toBe('');
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await t.server.sync.readDocState('ws1:index'));
    expect(stored.getText('t').toString()).toBe('');
    expect(stored.getText('u').toString()).toBe('>acd');
  });
  it('YJS-4 closes a writer of a read-only workspace with 4423 (workspace_read_only) when it changes the document', async () => {
    t.auth.setGrant('ana', 'ws1', 'workspace_read_only');
    const p = provider('ws1:index', 'tok-ana');
    await synced(p);
    const closing = new Promise<{ code: number; reason: string }>((resolve) =>
      p.once('closed', resolve),
    );
    p.doc.getText('t').insert(0, 'late');
    expect(await closing).toEqual({ code: CloseCode.readOnly, reason: 'workspace_read_only' });
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await t.server.sync.readDocState('ws1:index'));
    expect(stored.getText('t').toString()).toBe('');
  });
});
