import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', workspaces: { small: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { big: 'write' } },
} as const;

const LARGE = 100 * 1024;

/** A document of about `kib` KiB in many entries (a workspace index grows like this). */
function docOf(kib: number): Y.Doc {
  const doc = new Y.Doc();
  const rows = doc.getMap<string>('rows');
  let seed = 11;
  const letter = () =>
    String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26));
  doc.transact(() => {
    for (let i = 0; i < kib / 8; i++) {
      rows.set(`r${i}`, Array.from({ length: 8192 }, letter).join(''));
    }
  });
  return doc;
}

function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.compare(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)) === 0;
}

describe('a large document is loaded and first-synced off the event loop', () => {
  let t: SyncTestServer;
  const clients: TestSyncClient[] = [];
  const connect = async (token: string) => {
    const client = await TestSyncClient.connect(t.url, { token });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await t.stop();
  });

  it('ROOM-5 merges and answers a large doc on the worker (no Y.Doc) while a small workspace keeps syncing', async () => {
    t = await startSyncServer(users, { largeDocBytes: LARGE });
    const heavy = t.server.ctx.offThread;
    const stored = docOf(4 * 1024);
    // Stored without loading it: the first subscriber pays the cold load.
    await t.server.sync.applyServerUpdate('big:index', Y.encodeStateAsUpdate(stored));
    expect(t.server.sync.rooms.get('big:index')).toBeUndefined();

    const ana = await connect('tok-ana');
    const small = ana.subscribe('small:index');
    await ana.synced('small:index');
    const ben = await connect('tok-ben');
    const big = ben.subscribe('big:index');
    // Round trips of the small workspace, begun while the large doc loads and is encoded.
    const smallRoundTrips = (async () => {
      for (let i = 0; i < 5; i++) {
        small.getMap<number>('m').set(`k${i}`, i);
        await ana.allAcked('small:index');
      }
    })();
    await Promise.all([ben.synced('big:index'), smallRoundTrips]);

    expect(sameState(big, stored)).toBe(true);
    expect(heavy.runs('loadLarge', 'worker')).toBe(1);
    expect(heavy.runs('syncStep2', 'worker')).toBeGreaterThanOrEqual(1);
    expect(heavy.runs('loadLarge', 'inline') + heavy.runs('syncStep2', 'inline')).toBe(0);
    const room = t.server.sync.rooms.get('big:index')!;
    expect(room.doc).toBeNull();

    // Updates to it are stored, reach others and its snapshot state, still without a Y.Doc.
    big.getText('t').insert(0, 'edited');
    await ben.allAcked('big:index');
    const second = await connect('tok-ben');
    const again = second.subscribe('big:index');
    await second.synced('big:index');
    expect(again.getText('t').toString()).toBe('edited');
    const state = new Y.Doc();
    Y.applyUpdate(state, await t.server.sync.readDocState('big:index'));
    expect(sameState(state, big)).toBe(true);
    expect(room.doc).toBeNull();
  });

  it('ROOM-5 keeps a doc under the threshold in a Y.Doc on the event loop', async () => {
    t = await startSyncServer(users, { largeDocBytes: LARGE });
    const stored = docOf(48);
    expect(Y.encodeStateAsUpdate(stored).byteLength).toBeLessThan(LARGE);
    await t.server.sync.applyServerUpdate('small:index', Y.encodeStateAsUpdate(stored));
    const ana = await connect('tok-ana');
    const doc = ana.subscribe('small:index');
    await ana.synced('small:index');
    expect(sameState(doc, stored)).toBe(true);
    expect(t.server.sync.rooms.get('small:index')!.doc).not.toBeNull();
    expect(t.server.ctx.offThread.runs('loadLarge', 'worker')).toBe(0);
  });

  it('ROOM-5 carries a large doc across compaction: later subscribers get every update', async () => {
    t = await startSyncServer(users, {
      largeDocBytes: LARGE,
      compactAfterUpdates: 5,
      compactAfterBytes: 1024,
      compactLogRatio: 0.0001,
      compactStateBytesPerRow: 1,
    });
    const stored = docOf(512);
    await t.server.sync.applyServerUpdate('big:index', Y.encodeStateAsUpdate(stored));
    const ben = await connect('tok-ben');
    const doc = ben.subscribe('big:index');
    await ben.synced('big:index');
    for (let i = 0; i < 30; i++) {
      doc.getMap<number>('n').set(`k${i}`, i);
      await ben.allAcked('big:index');
    }
    const later = await connect('tok-ben');
    const copy = later.subscribe('big:index');
    await later.synced('big:index');
    expect(sameState(copy, doc)).toBe(true);
    expect(t.server.ctx.offThread.runs('compactState', 'worker')).toBeGreaterThan(0);
  });
  it('ROOM-5 keeps a small workspace syncing while a large doc is written flat out and compacted on the worker', async () => {
    t = await startSyncServer(users, {
      largeDocBytes: LARGE,
      compactAfterUpdates: 20,
      compactAfterBytes: 1024,
      compactLogRatio: 0.0001,
      compactStateBytesPerRow: 1,
    });
    await t.server.sync.applyServerUpdate('big:index', Y.encodeStateAsUpdate(docOf(2 * 1024)));
    const ben = await connect('tok-ben');
    const big = ben.subscribe('big:index');
    await ben.synced('big:index');
    const ana = await connect('tok-ana');
    const small = ana.subscribe('small:index');
    await ana.synced('small:index');

    // The writer never waits for an ack: 300 edits that grow the doc, as typing does.
    const text = big.getText('description');
    const flatOut = (async () => {
      for (let i = 0; i < 300; i++) {
        text.insert(text.length, `line ${i} of a description that keeps growing\n`);
        if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await ben.allAcked('big:index');
    })();
    // Meanwhile the other workspace's round trips must each complete.
    for (let i = 0; i < 20; i++) {
      small.getMap<number>('m').set(`k${i}`, i);
      await ana.allAcked('small:index');
    }
    await flatOut;

    const heavy = t.server.ctx.offThread;
    expect(heavy.runs('compactState', 'worker')).toBeGreaterThan(0);
    expect(heavy.runs('compactState', 'inline')).toBe(0);
    const later = await connect('tok-ben');
    const copy = later.subscribe('big:index');
    await later.synced('big:index');
    expect(sameState(copy, big)).toBe(true);
    expect(copy.getText('description').toString().split('\n')).toHaveLength(301);
    expect(t.server.sync.rooms.get('big:index')!.doc).toBeNull();
  });
});
