import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { asyncDocStore, type AsyncDocStore } from '../store/AsyncDocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { LaggingDocWatch } from './LaggingDocWatch.ts';

const update = new Uint8Array([0, 0]); // an empty Yjs update: the watch reads sequences only

describe('LaggingDocWatch', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: AsyncDocStore;
  let watch: LaggingDocWatch;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-watch-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = asyncDocStore(new SqliteDocStore(db));
    watch = new LaggingDocWatch(store);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Another process stores an update of the doc; its workspace sequence. */
  const storedElsewhere = async (docId: string, workspaceId = 'ws1') =>
    (await store.append([{ docId, workspaceId, update }]))[0]!.seq;

  it('finds nothing while this process has applied every stored update', async () => {
    watch.applied('ws1:a', 'ws1', 0);
    const seq = await storedElsewhere('ws1:a');
    watch.applied('ws1:a', 'ws1', seq); // its stream entry arrived
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
  });

  it('gives an update whose stream entry is still on its way one check to arrive', async () => {
    watch.applied('ws1:a', 'ws1', 0);
    const seq = await storedElsewhere('ws1:a');
    expect(await watch.check()).toEqual([]);
    watch.applied('ws1:a', 'ws1', seq);
    expect(await watch.check()).toEqual([]);
  });

  it('names a doc the store stayed ahead of for two checks (its publisher died before publishing), once', async () => {
    watch.applied('ws1:a', 'ws1', 0);
    watch.applied('ws1:b', 'ws1', 0);
    await storedElsewhere('ws1:a'); // persisted, never published
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual(['ws1:a']);
    // The re-sync loads it and reports what it holds.
    watch.applied('ws1:a', 'ws1', (await store.load('ws1:a'))!.lastSeq);
    expect(await watch.check()).toEqual([]);
    expect(await watch.check()).toEqual([]);
  });

  it('keeps watching a doc whose store moves on while its entries keep arriving', async () => {
    watch.applied('ws1:a', 'ws1', 0);
    for (let i = 0; i < 5; i++) {
      const seq = await storedElsewhere('ws1:a');
      expect(await watch.check()).toEqual([]);
      watch.applied('ws1:a', 'ws1', seq);
    }
    expect(await watch.check()).toEqual([]);
  });

  it('watches only the docs open here, in each of their workspaces', async () => {
    watch.applied('ws1:a', 'ws1', 0);
    watch.applied('ws2:a', 'ws2', 0);
    await storedElsewhere('ws1:closed');
    await storedElsewhere('ws2:a', 'ws2');
    await storedElsewhere('ws1:a');
    await watch.check();
    expect((await watch.check()).sort()).toEqual(['ws1:a', 'ws2:a']);
    watch.forget('ws2:a');
    await storedElsewhere('ws2:a', 'ws2');
    await watch.check();
    expect(await watch.check()).toEqual(['ws1:a']);
  });
});
