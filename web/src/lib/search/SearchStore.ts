import { openDatabase, request, transactionDone } from '@desk/client';
import { searchDbName } from '$lib/offline/localKeys.ts';
import type { SearchSnapshot } from './LocalTicketIndex.ts';

const SNAPSHOTS = 'snapshots';
const CURRENT = 'current';

/**
 * The device index of one workspace in IndexedDB (`searchDbName`: under the user's prefix,
 * so logout's wipe removes it, and a removal from the workspace deletes it by name), one
 * row holding the whole snapshot, written at once, so a reload never reads half of one.
 */
export class SearchStore {
  readonly #db: Promise<IDBDatabase>;

  constructor(userId: string, workspaceId: string) {
    this.#db = openDatabase(searchDbName(userId, workspaceId), 1, (db) => {
      db.createObjectStore(SNAPSHOTS);
    }).then((db) => {
      // Access ended (forget) or logout deletes this database: let go at once, or the
      // deletion would wait for this tab; a later save fails and is dropped.
      db.onversionchange = () => db.close();
      return db;
    });
  }

  async load(): Promise<SearchSnapshot | null> {
    const db = await this.#db;
    const store = db.transaction(SNAPSHOTS, 'readonly').objectStore(SNAPSHOTS);
    return ((await request(store.get(CURRENT))) as SearchSnapshot | undefined) ?? null;
  }

  async save(snapshot: SearchSnapshot): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction(SNAPSHOTS, 'readwrite');
    tx.objectStore(SNAPSHOTS).put(snapshot, CURRENT);
    await transactionDone(tx);
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }
}
