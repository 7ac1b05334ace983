import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { makeTempDir } from '../support/tempDir.ts';
import { startSyncServer, type SyncTestServer } from '../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../support/sync/TestSyncClient.ts';

/**
 * Concurrent compaction and edits (issue 12, races): four clients write into one document
 * flat out while the server compacts it again and again on the worker thread (every doc
 * counts as large, compaction after 20 updates). Every replica converges to every write,
 * none is lost to a compaction that ran while it arrived, and a restarted server serves
 * them all. (test/system/sync/compaction.test.ts covers the sequential case.)
 */
const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  'tok-cai': { userId: 'cai', workspaces: { ws1: 'write' } },
  'tok-dee': { userId: 'dee', workspaces: { ws1: 'write' } },
} as const;
const limits = { compactAfterUpdates: 20, compactOffThreadBytes: 0 };
const WRITES_PER_CLIENT = 150;
const DOC = 'ws1:index';

describe('compaction while clients write', () => {
  let t: SyncTestServer | undefined;
  const clients: TestSyncClient[] = [];
  const temp = makeTempDir('desk-compaction-race-');
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await t?.stop();
    temp.remove();
  });

  it('loses no write of four clients writing flat out while the doc is compacted', async () => {
    t = await startSyncServer(users, limits, temp.dir);
    const server = t.server;
    const writers = await Promise.all(
      Object.keys(users).map((token) => TestSyncClient.connect(t!.url, { token })),
    );
    clients.push(...writers);
    const docs = writers.map((w) => w.subscribe(DOC));
    await Promise.all(writers.map((w) => w.synced(DOC)));

    // The stored log shrinking between two looks while writes still arrive: a compaction
    // ran concurrently with them.
    // Looked at through the engine's reads, so on either backend (a shared store's too).
    let compactionsSeen = 0;
    let lastParts = 0;
    let writing = true;
    const watching = (async () => {
      while (writing) {
        const parts = (await server.sync.docs.storedParts(DOC)).length;
        if (parts < lastParts) compactionsSeen++;
        lastParts = parts;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all(
      docs.map(async (doc, w) => {
        for (let i = 0; i < WRITES_PER_CLIENT; i++) {
          doc.getArray<string>('entries').push([`${w}:${i}`]);
          // Let frames out and acks in every few writes, without waiting for them.
          if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    await Promise.all(writers.map((w) => w.allAcked(DOC)));
    writing = false;
    await watching;
    const total = WRITES_PER_CLIENT * writers.length;
    await Promise.all(
      writers.map((w, i) => w.until(() => docs[i]!.getArray('entries').length === total)),
    );
    expect(compactionsSeen).toBeGreaterThan(0);
    const reference = docs[0]!.getArray<string>('entries').toArray();
    expect(new Set(reference).size).toBe(total);
    for (const doc of docs) expect(doc.getArray<string>('entries').toArray()).toEqual(reference);
    expect(t.logs.filter((line) => line.msg === 'doc compaction failed')).toEqual([]);

    for (const writer of clients.splice(0)) writer.ws.terminate();
    await t.stop();
    t = await startSyncServer(users, limits, temp.dir);
    const reader = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(reader);
    const copy = reader.subscribe(DOC, new Y.Doc());
    await reader.synced(DOC);
    expect(copy.getArray<string>('entries').toArray()).toEqual(reference);
  });
});
