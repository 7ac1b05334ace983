import { openDatabase, request, transactionDone } from './idb.ts';
import { replicatedDbName } from './localKeys.ts';

const DOCS = 'docs';

/**
 * Which docs the background replication has fully synced into this user's replica at least
 * once. The client's store registers a doc as held when it starts loading it, so "held"
 * alone would count a doc whose first sync was cut short by a closed tab; catch-up only
 * names docs changed since, so such a doc would stay empty offline. Only docs recorded here
 * are skipped on the next start; later changes reach them through catch-up.
 */
export class ReplicaLedger {
  readonly #db: Promise<IDBDatabase>;

  constructor(userId: string) {
    this.#db = openDatabase(replicatedDbName(userId), [DOCS]);
  }

  async load(): Promise<Set<string>> {
    const db = await this.#db;
    const keys = await request(db.transaction(DOCS, 'readonly').objectStore(DOCS).getAllKeys());
    return new Set(keys.map(String));
  }

  async add(docIds: readonly string[]): Promise<void> {
    if (docIds.length === 0) return;
    const db = await this.#db;
    const tx = db.transaction(DOCS, 'readwrite');
    const store = tx.objectStore(DOCS);
    for (const docId of docIds) store.put(1, docId);
    await transactionDone(tx);
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }
}
