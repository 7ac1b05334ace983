import 'fake-indexeddb/auto';
import { IndexeddbPersistence } from 'y-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { IndexedDbStore } from './IndexedDbStore.ts';
import type { IndexedDbStoreOptions } from './IndexedDbStore.ts';
import { bindAndLoad, describeLocalStoreContract, nextWriteReport } from './localStoreContract.ts';
import { LocalStoreErrorCode } from './LocalStoreError.ts';
import { UpdateLog } from './UpdateLog.ts';

let n = 0;
const freshPrefix = () => `test${n++}:`;

describeLocalStoreContract('IndexedDbStore over fake-indexeddb', () => {
  const prefix = freshPrefix();
  const opened: IndexedDbStore[] = [];
  return {
    open: () => {
      const store = new IndexedDbStore({ prefix });
      opened.push(store);
      return store;
    },
    failWrites: (cause) => failAdds(cause),
    dispose: async () => {
      failAdds(null); // also when a test failed before making writes work again
      for (const store of opened) await store.close();
    },
  };
});

type Add = IDBObjectStore['add'];
const realAdd: Add = IDBObjectStore.prototype.add;
const realCommit = IDBTransaction.prototype.commit;

/** Makes `IDBObjectStore.add` (the update log's only write) throw `cause`; null restores it. */
function failAdds(cause: Error | null): void {
  IDBObjectStore.prototype.add = cause
    ? () => {
        throw cause;
      }
    : realAdd;
}

/**
 * Makes every committed transaction abort instead, as a commit over the storage quota does
 * (Chromium checks the quota when it commits); false restores it.
 */
function abortCommits(abort: boolean): void {
  IDBTransaction.prototype.commit = abort
    ? function (this: IDBTransaction) {
        this.abort();
      }
    : realCommit;
}

describe('IndexedDbStore (over fake-indexeddb)', () => {
  const opened: IndexedDbStore[] = [];
  const open = (options: IndexedDbStoreOptions) => {
    const store = new IndexedDbStore(options);
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('keeps every doc in one update log: two databases, whatever the number of docs', async () => {
    const prefix = freshPrefix();
    const store = open({ prefix });
    for (let i = 0; i < 20; i++) {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(store, `w1:ticket:t${i}`, doc);
      doc.getText('t').insert(0, `ticket ${i}`);
      await binding.destroy();
    }
    expect(await databasesStartingWith(prefix)).toEqual([`${prefix}meta`, `${prefix}updates`]);
    expect(await storedDocIds(`${prefix}updates`)).toHaveLength(20);
  });

  it('writes a change at once: a tab reloaded before any destroy finds it', async () => {
    const prefix = freshPrefix();
    const doc = new Y.Doc();
    await bindAndLoad(open({ prefix }), 'w1:ticket:a', doc);
    doc.getText('t').insert(0, 'typed, then F5');

    const copy = new Y.Doc();
    await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
    expect(copy.getText('t').toString()).toBe('typed, then F5');
  });

  it('writes the updates of one task in one row', async () => {
    const prefix = freshPrefix();
    const doc = new Y.Doc();
    const binding = await bindAndLoad(open({ prefix }), 'w1:ticket:a', doc);
    for (const word of ['one ', 'task, ', 'many ', 'updates']) {
      doc.getText('t').insert(doc.getText('t').length, word);
    }
    await binding.destroy();
    expect(await rowsOf(`${prefix}updates`, 'w1:ticket:a')).toHaveLength(1);
  });

  it('merges a doc into one row once it has more rows than the limit, content intact', async () => {
    const prefix = freshPrefix();
    const doc = new Y.Doc();
    const binding = await bindAndLoad(open({ prefix, compactAboveRows: 5 }), 'w1:ticket:a', doc);
    for (let i = 0; i < 6; i++) {
      doc.getText('t').insert(0, String(i));
      await nextTask();
    }
    await binding.destroy();
    const rows = await rowsOf(`${prefix}updates`, 'w1:ticket:a');
    expect(rows).toHaveLength(1);

    const copy = new Y.Doc();
    await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
    expect(copy.getText('t').toString()).toBe('543210');
  });

  it('finishes a compaction that falls due while it is destroyed, as on a busy machine', async () => {
    const prefix = freshPrefix();
    const doc = new Y.Doc();
    const binding = await bindAndLoad(open({ prefix, compactAboveRows: 5 }), 'w1:ticket:a', doc);
    // Six rows, each written in its own microtask flush, none stored yet when destroy runs:
    // the write that crosses the limit finishes after destroy began.
    for (let i = 0; i < 6; i++) {
      doc.getText('t').insert(0, String(i));
      await Promise.resolve();
    }
    await binding.destroy();
    expect(await rowsOf(`${prefix}updates`, 'w1:ticket:a')).toHaveLength(1);

    const copy = new Y.Doc();
    await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
    expect(copy.getText('t').toString()).toBe('543210');
  });

  it('compaction deletes only the rows it merged: a row another tab writes meanwhile survives', async () => {
    const name = `${freshPrefix()}updates`;
    const thisTab = new UpdateLog(name);
    const otherTab = new UpdateLog(name);
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (update: Uint8Array) => updates.push(update));
    for (const word of ['a', 'b', 'c', 'd']) source.getText('t').insert(0, word);
    await thisTab.append('w1:index', updates.slice(0, 3));

    // Both in the same task: whichever the database runs first, nothing may be lost.
    const compacted = thisTab.compact('w1:index');
    const written = otherTab.append('w1:index', updates.slice(3));
    await Promise.all([compacted, written]);

    const copy = new Y.Doc();
    for (const update of await thisTab.load('w1:index')) Y.applyUpdate(copy, update);
    expect(copy.getText('t').toString()).toBe('dcba');
    await thisTab.close();
    await otherTab.close();
  });

  describe('when the browser refuses a write', () => {
    afterEach(() => abortCommits(false));

    it('reports a transaction aborted at commit (quota checked late), and stores it with the next write', async () => {
      const prefix = freshPrefix();
      const doc = new Y.Doc();
      const binding = await bindAndLoad(open({ prefix }), 'w1:ticket:a', doc);
      abortCommits(true);
      const failed = nextWriteReport(binding);
      doc.getText('t').insert(0, 'aborted');
      expect(await failed).toMatchObject({ code: LocalStoreErrorCode.writeFailed });
      expect(await rowsOf(`${prefix}updates`, 'w1:ticket:a')).toHaveLength(0);

      abortCommits(false);
      const cleared = nextWriteReport(binding);
      doc.getText('t').insert(7, ', then stored');
      expect(await cleared).toBeNull();
      expect(await rowsOf(`${prefix}updates`, 'w1:ticket:a')).toHaveLength(1);
      await binding.destroy();

      const copy = new Y.Doc();
      await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
      expect(copy.getText('t').toString()).toBe('aborted, then stored');
    });

    it('says in words that the browser closed the database (storage cleared or evicted)', async () => {
      const store = open({ prefix: freshPrefix() });
      const doc = new Y.Doc();
      const binding = await bindAndLoad(store, 'w1:ticket:a', doc);
      await store.close();
      const failed = nextWriteReport(binding);
      doc.getText('t').insert(0, 'nowhere to go');
      expect((await failed)?.words).toBe(
        'Changes could not be saved on this device: the browser closed the local database (storage cleared, evicted or blocked).',
      );
      await expect(binding.destroy()).rejects.toMatchObject({
        code: LocalStoreErrorCode.writeFailed,
      });
    });

    it('rejects whenLoaded with load_failed when the doc cannot be read', async () => {
      const store = open({ prefix: freshPrefix() });
      await bindAndLoad(store, 'w1:ticket:warm', new Y.Doc()); // opens the update log
      await store.close();
      const binding = store.bind('w1:ticket:a', new Y.Doc());
      await expect(binding.whenLoaded).rejects.toMatchObject({
        code: LocalStoreErrorCode.loadFailed,
        docId: 'w1:ticket:a',
      });
      await binding.destroy();
    });
  });

  describe('the previous layout: one y-indexeddb database per doc', () => {
    it('imports a doc with offline edits on first bind, keeps its dirty flag, then deletes its database', async () => {
      const prefix = freshPrefix();
      await writePreviousLayout(prefix, 'w1:ticket:a', 'edited offline', { dirty: true });
      expect(await databasesStartingWith(`${prefix}doc:`)).toEqual([`${prefix}doc:w1:ticket:a`]);

      const store = open({ prefix });
      const doc = new Y.Doc();
      await bindAndLoad(store, 'w1:ticket:a', doc);
      expect(doc.getText('t').toString()).toBe('edited offline');
      expect(await store.listDocs()).toEqual([{ docId: 'w1:ticket:a', dirty: true }]);
      expect(await databasesStartingWith(`${prefix}doc:`)).toEqual([]);

      // The import is in the update log now: a later start finds it there.
      const copy = new Y.Doc();
      await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
      expect(copy.getText('t').toString()).toBe('edited offline');
    });

    it('merges a legacy copy with what the update log already holds', async () => {
      const prefix = freshPrefix();
      const doc = new Y.Doc();
      const binding = await bindAndLoad(open({ prefix }), 'w1:ticket:a', doc);
      doc.getMap('m').set('new', 1);
      await binding.destroy();
      await writePreviousLayout(prefix, 'w1:ticket:a', 'from an old tab', { dirty: false });

      const copy = new Y.Doc();
      await bindAndLoad(open({ prefix }), 'w1:ticket:a', copy);
      expect(copy.getMap('m').toJSON()).toEqual({ new: 1 });
      expect(copy.getText('t').toString()).toBe('from an old tab');
    });

    it('deletes the legacy database of a deleted doc', async () => {
      const prefix = freshPrefix();
      await writePreviousLayout(prefix, 'w1:ticket:a', 'old', { dirty: false });
      await open({ prefix }).deleteDoc('w1:ticket:a');
      expect(await databasesStartingWith(`${prefix}doc:`)).toEqual([]);
    });
  });
});

/** What the previous version left: y-indexeddb's per-doc database and meta version 1. */
async function writePreviousLayout(
  prefix: string,
  docId: string,
  text: string,
  { dirty }: { dirty: boolean },
): Promise<void> {
  const doc = new Y.Doc();
  const persistence = new IndexeddbPersistence(`${prefix}doc:${docId}`, doc);
  await persistence.whenSynced;
  doc.getText('t').insert(0, text);
  await persistence.destroy();

  const open = indexedDB.open(`${prefix}meta`, 1);
  open.onupgradeneeded = () => {
    for (const store of ['docs', 'workspaces', 'drafts']) open.result.createObjectStore(store);
  };
  const meta = await request(open);
  const tx = meta.transaction('docs', 'readwrite');
  tx.objectStore('docs').put({ docId, dirty }, docId);
  await new Promise((resolve) => (tx.oncomplete = resolve));
  meta.close();
}

async function databasesStartingWith(prefix: string): Promise<string[]> {
  const names = (await indexedDB.databases()).flatMap((db) => (db.name ? [db.name] : []));
  return names.filter((name) => name.startsWith(prefix)).sort();
}

async function rowsOf(dbName: string, docId: string): Promise<unknown[]> {
  const db = await request(indexedDB.open(dbName));
  const rows = await request(
    db.transaction('updates', 'readonly').objectStore('updates').index('docId').getAll(docId),
  );
  db.close();
  return rows;
}

async function storedDocIds(dbName: string): Promise<string[]> {
  const db = await request(indexedDB.open(dbName));
  const rows = await request(db.transaction('updates', 'readonly').objectStore('updates').getAll());
  db.close();
  return [...new Set((rows as { docId: string }[]).map((row) => row.docId))];
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
