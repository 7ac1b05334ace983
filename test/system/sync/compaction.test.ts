import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { makeTempDir } from '../../support/tempDir.ts';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = { 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } } as const;
// Every doc counts as large: compaction goes through the real worker thread.
const limits = { compactAfterUpdates: 20, compactOffThreadBytes: 0 };

describe('compaction of a large document (off the event loop)', () => {
  let t: SyncTestServer | undefined;
  const clients: TestSyncClient[] = [];
  const temp = makeTempDir('desk-compaction-');
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await t?.stop();
    temp.remove();
  });

  it('ROOM-6 folds the log into the merged state on the worker; a restarted server serves every edit', async () => {
    t = await startSyncServer(users, limits, temp.dir);
    const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(ana);
    const doc = ana.subscribe('ws1:index');
    await ana.synced('ws1:index');
    for (let i = 0; i < 50; i++) {
      doc.getText('t').insert(doc.getText('t').length, `${i},`);
      await ana.allAcked('ws1:index');
    }
    // Folded: a merged state and fewer than 20 updates after it, on either backend.
    const stored = () => t!.server.sync.docs.storedParts('ws1:index');
    while ((await stored()).length >= 20) await new Promise((resolve) => setTimeout(resolve, 20));
    if (!t.server.sync.onSharedStore) {
      expect(t.server.sync.store.load('ws1:index')!.state).not.toBeNull();
    }
    expect(t.logs.filter((line) => line.msg === 'doc compaction failed')).toEqual([]);

    ana.ws.terminate();
    await t.stop();
    t = await startSyncServer(users, limits, temp.dir);
    const back = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(back);
    const copy = back.subscribe('ws1:index', new Y.Doc());
    await back.synced('ws1:index');
    const expected = Array.from({ length: 50 }, (_, i) => `${i},`).join('');
    expect(copy.getText('t').toString()).toBe(expected);
  });
});
