import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { startSyncServer } from '../../../test/support/sync/startSyncServer.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { realServerClient } from './testing/realServerClient.ts';

// The offline-replica limit for every document (SPEC IDX-GEN-7), as SyncClient meets it on
// the real server: the catch-up stamps the replica with the server's clock, every subscribe
// names the stamp, and offline work of a replica older than the limit comes back as drafts
// while the doc is reloaded from the server.

const users = { 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } } as const;
const docId = 'ws1:ticket:t1';
const DAY = 24 * 3_600_000;
const defer = cleanupAfterEach();

const text = (doc: Y.Doc) => doc.getText('t').toString();

async function setUp() {
  let now = Date.UTC(2026, 0, 1);
  const t = await startSyncServer(users, { offlineReplicaMs: 90 * DAY }, undefined, {
    now: () => now,
  });
  defer(() => t.stop());
  const store = new MemoryStore();
  const client = realServerClient(t.url, 'tok-ana', store);
  defer(() => client.close());
  const handle = client.open(docId);
  await handle.whenSynced;
  handle.doc.getText('t').insert(0, 'kept');
  await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'kept is acked');
  await until(async () => (await store.getWorkspaceMeta('ws1'))?.syncedAt === now, 'the stamp');
  return {
    t,
    client,
    handle,
    store,
    advance: (ms: number) => (now += ms),
    serverText: async () => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
      return text(doc);
    },
  };
}

describe('SyncClient and the offline-replica limit of the real server', () => {
  it('IDX-GEN-7 keeps offline work of a replica older than the limit as a draft, reloads the doc, and syncs later edits', async () => {
    const { client, handle, store, advance, serverText } = await setUp();
    client.disconnect();
    handle.doc.getText('t').insert(4, ' offline');
    advance(91 * DAY);
    client.reconnect();

    await until(() => handle.refused.length === 1, 'the refusal');
    expect(handle.refused[0]).toMatchObject({ code: DocErrorCode.replicaTooOld });
    await until(() => handle.status.kind === 'synced' && handle.pending === 0, 'synced again');
    expect(text(handle.doc)).toBe('kept');
    expect(await serverText()).toBe('kept');
    // Nothing of the work is lost: the draft holds what the server lacks.
    const draft = new Y.Doc();
    Y.applyUpdate(draft, Y.encodeStateAsUpdate(handle.doc));
    Y.applyUpdate(draft, handle.refused[0]!.update);
    expect(text(draft)).toBe('kept offline');

    // The catch-up stamped the replica anew: a later edit is taken.
    await until(async () => (await store.getWorkspaceMeta('ws1'))?.syncedAt !== undefined, 'stamp');
    handle.doc.getText('t').insert(4, '!');
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'the later edit');
    expect(await serverText()).toBe('kept!');
    expect(handle.refused).toHaveLength(1);
  });

  it('IDX-GEN-7 takes offline work of a replica within the limit, and makes no draft of a stale copy without any', async () => {
    const { client, handle, advance, serverText } = await setUp();
    client.disconnect();
    handle.doc.getText('t').insert(4, ' offline');
    advance(89 * DAY);
    client.reconnect();
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'synced');
    expect(await serverText()).toBe('kept offline');

    // Past the limit with nothing written offline: nothing refused, nothing kept.
    client.disconnect();
    advance(91 * DAY);
    client.reconnect();
    await until(() => handle.status.kind === 'synced', 'synced again');
    handle.doc.getText('t').insert(0, '>');
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'the edit');
    expect(await serverText()).toBe('>kept offline');
    expect(handle.refused).toEqual([]);
  });
});
