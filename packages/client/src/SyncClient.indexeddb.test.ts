import 'fake-indexeddb/auto';
import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { IndexedDbStore } from './store/IndexedDbStore.ts';
import { SyncClient } from './SyncClient.ts';
import { MiniSyncServer } from './testing/MiniSyncServer.ts';
import { until } from '@desk/protocol/testing';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';

const docId = 'ws1:ticket:a';
const defer = cleanupAfterEach();

describe('SyncClient with the IndexedDB store (fake-indexeddb)', () => {
  it('uses IndexedDB by default when it exists', async () => {
    const client = new SyncClient({ url: 'ws://127.0.0.1:1/sync', WebSocket });
    defer(() => client.close());
    expect(client.store).toBeInstanceOf(IndexedDbStore);
  });

  it('replaces the stored copy with the server state after a refused change', async () => {
    let refuse = false;
    const server = await MiniSyncServer.start({
      refuse: () => (refuse ? { code: DocErrorCode.docTooLarge, message: 'full' } : null),
    });
    defer(() => server.stop());
    const prefix = 'reset:';
    const client = new SyncClient({
      url: server.url,
      WebSocket,
      store: new IndexedDbStore({ prefix }),
      releaseGraceMs: 0,
    });
    const handle = client.open(docId);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'saved');
    await until(() => handle.pending === 0 && client.status.kind === 'synced', 'saved');
    refuse = true;
    handle.doc.getText('t').insert(5, ' refused');
    await until(() => handle.refused.length === 1, 'draft');
    refuse = false;
    handle.doc.getText('t').insert(5, '!');
    await until(() => handle.pending === 0 && client.status.kind === 'synced', 'synced again');
    handle.release();
    await client.close();

    // A reload finds the server's state plus the later edit, and the draft.
    const reloaded = new SyncClient({
      url: 'ws://127.0.0.1:1/sync',
      WebSocket,
      store: new IndexedDbStore({ prefix }),
    });
    defer(() => reloaded.close());
    const again = reloaded.open(docId);
    await again.whenLoaded;
    expect(again.doc.getText('t').toString()).toBe('saved!');
    expect(server.doc(docId).getText('t').toString()).toBe('saved!');
    expect(again.refused.map((r) => r.code)).toEqual(['doc_too_large']);
    const draft = new Y.Doc();
    Y.applyUpdate(draft, Y.encodeStateAsUpdate(server.doc(docId)));
    Y.applyUpdate(draft, again.refused[0]!.update);
    expect(draft.getText('t').toString()).toContain('refused');
  });
});
