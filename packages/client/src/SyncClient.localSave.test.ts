import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type * as Y from 'yjs';
import type { SyncClientOptions } from './SyncClient.ts';
import { SyncClient } from './SyncClient.ts';
import type { LocalStore } from './store/LocalStore.ts';
import { LocalStoreErrorCode } from './store/LocalStoreError.ts';
import { storageFull } from './store/localStoreContract.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { MiniSyncServer } from './testing/MiniSyncServer.ts';
import { UnreadableStore } from './testing/UnreadableStore.ts';
import type { MiniSyncServerOptions } from './testing/MiniSyncServer.ts';
import { until } from '@desk/protocol/testing';

const docA = 'ws1:ticket:a';
const text = (doc: Y.Doc) => doc.getText('t').toString();
const FULL_WORDS =
  'Changes could not be saved on this device: the browser’s storage for this site is full.';

const defer = cleanupAfterEach();

async function startServer(options: MiniSyncServerOptions = {}) {
  const server = await MiniSyncServer.start(options);
  defer(() => server.stop());
  return server;
}

function connect(server: MiniSyncServer, store: LocalStore) {
  const options: SyncClientOptions = {
    url: server.url,
    WebSocket,
    store,
    backoff: { baseMs: 20, maxMs: 100, minMs: 5 },
    releaseGraceMs: 0,
  };
  const client = new SyncClient(options);
  defer(() => client.close());
  return client;
}

/** Lets timers already due run (the release of a handle with no grace period). */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SyncClient when this device cannot save', () => {
  it('says at once, in words, that a change was not saved on this device, and clears it once a later write works', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const client = connect(server, store);
    const handle = client.open(docA);
    await handle.whenSynced;
    client.disconnect(); // offline: the device is the only place the edits live
    expect(client.status.localSave).toBe('ok');

    store.failWrites(storageFull());
    handle.doc.getText('t').insert(0, 'written offline');
    await until(() => client.status.localSave === 'failed', 'the failure to show');
    expect(client.status.localSaveError).toEqual({
      code: LocalStoreErrorCode.writeFailed,
      message: FULL_WORDS,
      docs: 1,
    });
    expect(handle.status).toMatchObject({
      localSave: 'failed',
      localSaveError: { code: LocalStoreErrorCode.writeFailed, message: FULL_WORDS },
    });

    store.failWrites(null);
    handle.doc.getText('t').insert(15, ', then saved');
    await until(() => client.status.localSave === 'ok', 'the failure to clear');
    expect(client.status.localSaveError).toBeUndefined();
    expect(handle.status.localSave).toBe('ok');
    await client.close();

    // The write that worked carried the one that failed: the device has every change.
    const copy = new SyncClient({ url: 'ws://127.0.0.1:1/sync', WebSocket, store });
    defer(() => copy.close());
    const reopened = copy.open(docA);
    await reopened.whenLoaded;
    expect(text(reopened.doc)).toBe('written offline, then saved');
  });

  it('keeps a released doc whose changes are only in memory loaded until the server has them', async () => {
    const server = await startServer();
    const store = new MemoryStore();
    const client = connect(server, store);
    const handle = client.open(docA);
    await handle.whenSynced;
    client.disconnect();
    store.failWrites(storageFull());
    handle.doc.getText('t').insert(0, 'only in memory');
    await until(() => client.status.localSave === 'failed', 'the failure to show');

    handle.release();
    await nextTask();
    // Unloading now would drop the edit: the store never got it.
    expect(client.status).toMatchObject({ localSave: 'failed', pendingUpdates: 1 });

    client.reconnect();
    await until(() => text(server.doc(docA)) === 'only in memory', 'the edit to reach the server');
    // Synced, so nothing is at risk any more: the doc unloads and its failure goes with it.
    await until(() => client.status.localSave === 'ok', 'the doc to unload');
    expect(client.status.pendingUpdates).toBe(0);
  });

  it('drops the failure of a replica rebuilt after a refusal: the new doc is stored whole', async () => {
    let refuse = false;
    const server = await startServer({
      refuse: () => (refuse ? { code: DocErrorCode.docTooLarge, message: 'too large' } : null),
    });
    const store = new MemoryStore();
    const client = connect(server, store);
    const handle = client.open(docA);
    await handle.whenSynced;
    store.failWrites(storageFull());
    refuse = true;
    handle.doc.getText('t').insert(0, 'refused and unsaved');
    await until(() => client.status.localSave === 'failed', 'the failure to show');
    store.failWrites(null);
    await until(() => handle.refused.length === 1, 'the refusal to become a draft');
    await until(() => client.status.localSave === 'ok', 'the failure to clear');
    expect(handle.status.localSave).toBe('ok');
  });

  it('says so when the copy on this device cannot be read, and still syncs from the server', async () => {
    const server = await startServer();
    server.doc(docA).getText('t').insert(0, 'from the server');
    const client = connect(server, new UnreadableStore());
    const handle = client.open(docA);
    await handle.whenSynced;
    expect(text(handle.doc)).toBe('from the server');
    expect(client.status.localSaveError).toEqual({
      code: LocalStoreErrorCode.loadFailed,
      message:
        'The copy on this device could not be read, so changes are not saved on this device: the browser closed the local database (storage cleared, evicted or blocked).',
      docs: 1,
    });
    expect(handle.status.localSave).toBe('failed');
  });
});
