import * as Y from 'yjs';
import { commitNow, openDatabase, request, transactionDone } from './idbRequests.ts';

const UPDATES = 'updates';
const BY_DOC = 'docId';

/** One row of the log: a Yjs update of one doc (a merged state after compaction). */
export interface UpdateRow {
  docId: string;
  update: Uint8Array;
}

/**
 * The Yjs updates of every doc of a replica, in ONE IndexedDB database: an auto-increment
 * `updates` store (so a doc's rows come back in write order) with an index on `docId`.
 * One database rather than one per doc because opening a database is the expensive part of
 * IndexedDB; here loading a doc is one read and storing an update one write.
 */
export class UpdateLog {
  readonly name: string;
  readonly #opening: Promise<IDBDatabase>;
  /** Set once open, so writes can start in the same task as the change they store. */
  #db: IDBDatabase | null = null;

  constructor(name: string) {
    this.name = name;
    this.#opening = openDatabase(name, 1, (db) => {
      const updates = db.createObjectStore(UPDATES, { autoIncrement: true });
      updates.createIndex(BY_DOC, BY_DOC);
    }).then((db) => {
      this.#db = db;
      return db;
    });
  }

  /** Every stored update of a doc, oldest first (one read transaction). */
  async load(docId: string): Promise<Uint8Array[]> {
    const db = await this.#opening;
    const index = db.transaction(UPDATES, 'readonly').objectStore(UPDATES).index(BY_DOC);
    const rows = (await request(index.getAll(docId))) as UpdateRow[];
    return rows.map((row) => row.update);
  }

  /**
   * Stores updates of a doc in one transaction, created before this returns when the
   * database is open: a change followed at once by a reload is not lost to an await.
   */
  append(docId: string, updates: readonly Uint8Array[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    if (!this.#db) return this.#opening.then(() => this.append(docId, updates));
    const tx = this.#db.transaction(UPDATES, 'readwrite');
    const store = tx.objectStore(UPDATES);
    for (const update of updates) store.add({ docId, update } satisfies UpdateRow);
    const done = transactionDone(tx);
    commitNow(tx);
    return done;
  }

  /**
   * Replaces a doc's rows with one merged state, in one readwrite transaction: it deletes
   * exactly the rows it merged, by key, so a row another tab adds meanwhile is never lost.
   * Resolves with the number of rows merged (0 or 1: nothing to do).
   */
  async compact(docId: string): Promise<number> {
    const db = await this.#opening;
    const tx = db.transaction(UPDATES, 'readwrite');
    const store = tx.objectStore(UPDATES);
    const keys: IDBValidKey[] = [];
    const updates: Uint8Array[] = [];
    const cursorRequest = store.index(BY_DOC).openCursor(docId);
    // Everything happens inside the cursor callbacks: an await would let the transaction
    // commit before the merged row is written.
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (cursor) {
        keys.push(cursor.primaryKey);
        updates.push((cursor.value as UpdateRow).update);
        cursor.continue();
        return;
      }
      if (keys.length < 2) return;
      store.add({ docId, update: Y.mergeUpdates(updates) } satisfies UpdateRow);
      for (const key of keys) store.delete(key);
    };
    await transactionDone(tx);
    return keys.length < 2 ? 0 : keys.length;
  }

  /** Removes every row of a doc. */
  async delete(docId: string): Promise<void> {
    const db = await this.#opening;
    const tx = db.transaction(UPDATES, 'readwrite');
    const store = tx.objectStore(UPDATES);
    const keysRequest = store.index(BY_DOC).getAllKeys(docId);
    keysRequest.onsuccess = () => {
      for (const key of keysRequest.result) store.delete(key);
    };
    await transactionDone(tx);
  }

  async close(): Promise<void> {
    (await this.#opening).close();
  }
}
