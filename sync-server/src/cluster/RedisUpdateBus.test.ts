import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { asyncDocStore, type AsyncDocStore } from '../store/AsyncDocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import {
  describeWithRedis,
  startRedisServer,
  testKeyPrefix,
  type RedisServerProcess,
} from '../testing/scaleOutParts.ts';
import {
  decodeNumbers,
  encodeNumbers,
  RedisUpdateBus,
  ResyncReason,
  type DocFeed,
  type StoredFrom,
} from './RedisUpdateBus.ts';

const docId = 'ws1:ticket:t1';

/**
 * One server process as far as the bus is concerned: its replica of the document, the
 * shared store, and what its feed was given. `edit` is what a client's edit does on it:
 * persist, then publish (not awaited: an acknowledgement never waits on Redis).
 */
class Process {
  readonly doc = new Y.Doc();
  readonly seqs: number[] = [];
  /** The stored numbers each entry it was given carried. */
  readonly stored: (readonly number[])[] = [];
  readonly resyncs: ResyncReason[] = [];
  readonly published: Promise<void>[] = [];
  #hold: Promise<void> | null = null;

  constructor(
    readonly bus: RedisUpdateBus,
    readonly store: AsyncDocStore,
  ) {}

  readonly feed: DocFeed = {
    update: async (update, from) => {
      await this.#hold;
      this.seqs.push(from.seq);
      this.stored.push(from.stored);
      Y.applyUpdate(this.doc, update, 'bus');
    },
    resync: async (reason) => {
      this.resyncs.push(reason);
      const stored = await this.store.load(docId);
      if (!stored) return;
      Y.applyUpdate(
        this.doc,
        Y.mergeUpdates([...(stored.state ? [stored.state] : []), ...stored.log]),
      );
    },
  };

  async edit(text: string): Promise<void> {
    let update: Uint8Array | null = null;
    const take = (u: Uint8Array) => (update = u);
    this.doc.once('update', take);
    this.doc.getText('t').insert(this.doc.getText('t').length, text);
    const [result] = await this.store.append([{ docId, workspaceId: 'ws1', update: update! }]);
    const seq = result!.seq;
    this.published.push(this.bus.publish(docId, update!, seq));
  }

  /** Makes the feed wait (a slow process) until the returned function is called. */
  stall(): () => void {
    let release = () => {};
    this.#hold = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.#hold = null;
      release();
    };
  }

  text(): string {
    return this.doc.getText('t').toString();
  }
}

await describeWithRedis('RedisUpdateBus', { ownServer: true }, () => {
  let redis: RedisServerProcess | null = null;
  let dir: string;
  let db: SqliteDatabase;
  let store: AsyncDocStore;
  const buses: RedisUpdateBus[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-bus-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = asyncDocStore(new SqliteDocStore(db));
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await redis?.dispose();
    redis = null;
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Two processes on one Redis (a key prefix of this test's own) and one store. */
  async function twoProcesses(options: { persistent: boolean; maxLen?: number }) {
    redis = await startRedisServer({ persistent: options.persistent });
    const prefix = testKeyPrefix();
    const open = async (processId: string) => {
      const bus = new RedisUpdateBus({
        url: redis!.url,
        prefix,
        processId,
        ...(options.maxLen ? { maxLen: options.maxLen } : {}),
      });
      buses.push(bus);
      const process = new Process(bus, store);
      await bus.subscribe(docId, process.feed);
      return process;
    };
    return { a: await open('a'), b: await open('b') };
  }

  it('carries the numbers of the stored updates an entry holds (the lagging-document watch counts them)', async () => {
    const { a, b } = await twoProcesses({ persistent: false });
    const update = Y.encodeStateAsUpdate(a.doc);
    await a.bus.publish(docId, update, 7, [5, 3, 4, 9]); // a merge of four, in any order
    await a.bus.publish(docId, update, 8, []); // a store that numbers nothing
    await expect.poll(() => b.stored.length).toBe(2);
    expect(b.stored).toEqual([[3, 4, 5, 9], []]);
  });

  it('writes numbers as runs and reads back what it wrote', () => {
    expect(encodeNumbers([9, 1, 2, 3, 5, 3])).toBe('1-3,5,9');
    expect(decodeNumbers('1-3,5,9')).toEqual([1, 2, 3, 5, 9]);
    expect(decodeNumbers('')).toEqual([]);
    expect(decodeNumbers('x')).toEqual([]); // unreadable: none, and the watch re-syncs
  });

  it('delivers each update to the other process in publishing order, and never back to its publisher', async () => {
    const { a, b } = await twoProcesses({ persistent: false });
    for (let i = 0; i < 50; i++) await a.edit(`${i},`);
    await Promise.all(a.published);
    await expect.poll(() => b.seqs.length).toBe(50);
    expect(b.seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(b.text()).toBe(a.text());
    expect(a.seqs).toEqual([]);
    expect([...a.resyncs, ...b.resyncs]).toEqual([]);
  });

  it('reads on from its cursor when Redis restarts mid-stream: nothing lost, nothing reordered, no re-sync', async () => {
    const { a, b } = await twoProcesses({ persistent: true });
    for (let i = 0; i < 300; i++) {
      await a.edit(`${i},`);
      if (i === 100) await redis!.kill(); // edits go on: persisted, their publishes queued
      if (i === 180) await redis!.start();
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(a.published);
    await expect.poll(() => b.text()).toBe(a.text());
    // A publish cut off mid-way is sent again on reconnect, and dropped if it had landed.
    expect(b.seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(b.resyncs).toEqual([]);
  });

  it('re-syncs every subscriber from the store when Redis comes back without its streams', async () => {
    const { a, b } = await twoProcesses({ persistent: false });
    for (let i = 0; i < 200; i++) {
      await a.edit(`${i},`);
      if (i === 60) await redis!.kill();
      if (i === 120) await redis!.start();
    }
    await Promise.all(a.published);
    await expect.poll(() => b.text()).toBe(a.text());
    expect(b.resyncs).toContain(ResyncReason.reset);
    // And it follows the new streams afterwards.
    await a.edit('after');
    await expect.poll(() => b.text()).toBe(a.text());
  });

  it('re-syncs from the store when the stream was trimmed past its cursor', async () => {
    const { a, b } = await twoProcesses({ persistent: false, maxLen: 20 });
    // b is stuck in its first entry while a writes far more than the stream keeps.
    const release = b.stall();
    await a.edit('first,');
    for (let i = 0; i < 600; i++) await a.edit(`${i},`);
    await Promise.all(a.published);
    release();
    await expect.poll(() => b.text()).toBe(a.text());
    expect(b.resyncs).toContain(ResyncReason.trimmed);
    expect(b.seqs.length).toBeLessThan(601);
  });

  it('re-syncs from the store when its feed fails on an entry, and again until the re-sync works', async () => {
    const { a, b } = await twoProcesses({ persistent: false });
    const update = b.feed.update;
    const resync = b.feed.resync;
    let updateFailures = 1;
    let resyncFailures = 1;
    Object.assign(b.feed, {
      update: async (u: Uint8Array, from: StoredFrom) => {
        if (updateFailures-- > 0) throw new Error('replica busy');
        return update(u, from);
      },
      resync: async (reason: ResyncReason) => {
        if (resyncFailures-- > 0) throw new Error('store busy');
        return resync(reason);
      },
    });
    await a.edit('lost in the feed,');
    await a.edit('next,');
    await Promise.all(a.published);
    await expect.poll(() => b.text()).toBe(a.text());
    expect(b.resyncs).toEqual([ResyncReason.feedFailed]);
  });

  it('carries awareness to the other processes only', async () => {
    const { a, b } = await twoProcesses({ persistent: false });
    const onA: string[] = [];
    const onB: string[] = [];
    await a.bus.subscribeAwareness(docId, (bytes) => onA.push(Buffer.from(bytes).toString()));
    await b.bus.subscribeAwareness(docId, (bytes) => onB.push(Buffer.from(bytes).toString()));
    await a.bus.publishAwareness(docId, Buffer.from('cursor at 3'));
    await expect.poll(() => onB).toEqual(['cursor at 3']);
    expect(onA).toEqual([]);
  });
});
