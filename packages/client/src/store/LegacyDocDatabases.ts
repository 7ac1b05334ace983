import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { deleteDatabase } from './idbRequests.ts';

/**
 * The replica layout before the one-database store: y-indexeddb kept one database per doc,
 * named `<prefix>doc:<docId>`. Users still have them, some holding offline edits the server
 * never saw, so each is imported the first time its doc is bound, then deleted.
 *
 * The names are listed once (`indexedDB.databases()`), when the store opens: a legacy
 * database cannot appear later, as nothing writes that layout any more (a tab still running
 * the previous version could; its doc is imported on this tab's next start).
 */
export class LegacyDocDatabases {
  readonly #prefix: string;
  readonly #names: Promise<Set<string> | null>;

  constructor(prefix: string) {
    this.#prefix = `${prefix}doc:`;
    this.#names = listNames(this.#prefix);
  }

  /**
   * The whole content of a doc's legacy database as one update, or null when it has none.
   * Read through y-indexeddb itself, which knows its own layout.
   */
  async read(docId: string): Promise<Uint8Array | null> {
    const name = this.#name(docId);
    if (!(await this.#exists(name))) return null;
    const scratch = new Y.Doc();
    const persistence = new IndexeddbPersistence(name, scratch);
    try {
      // y-indexeddb never settles `whenSynced` when the database fails to open; its open
      // promise rejects, so wait on both.
      await Promise.all([persistence.whenSynced, persistence._db]);
      return scratch.store.clients.size > 0 ? Y.encodeStateAsUpdate(scratch) : null;
    } finally {
      await persistence.destroy();
      scratch.destroy();
    }
  }

  /**
   * Deletes a doc's legacy database, if any (call once its content is stored elsewhere). Resolves
   * when deleted, or at once when another tab still has it open: the browser deletes it when
   * that tab lets go.
   */
  async remove(docId: string): Promise<void> {
    const name = this.#name(docId);
    if (!(await this.#exists(name))) return;
    (await this.#names)?.delete(name);
    await deleteDatabase(name, { whenBlocked: 'resolve' });
  }

  #name(docId: string): string {
    return `${this.#prefix}${docId}`;
  }

  async #exists(name: string): Promise<boolean> {
    const names = await this.#names;
    return names ? names.has(name) : probe(name);
  }
}

/** Legacy database names, or null where the browser cannot list databases. */
async function listNames(prefix: string): Promise<Set<string> | null> {
  if (typeof indexedDB.databases !== 'function') return null;
  const infos = await indexedDB.databases();
  return new Set(infos.flatMap((info) => (info.name?.startsWith(prefix) ? [info.name] : [])));
}

/**
 * Whether a database exists, without creating it: opening a missing database starts an
 * upgrade from version 0, which is aborted (so nothing is created). Only for browsers
 * without `indexedDB.databases()`.
 */
function probe(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const open = indexedDB.open(name);
    open.onupgradeneeded = (event) => {
      if (event.oldVersion === 0) open.transaction?.abort();
    };
    open.onsuccess = () => {
      open.result.close();
      resolve(true);
    };
    open.onerror = (event) => {
      // The aborted creation: not an error for the page.
      event.preventDefault();
      resolve(false);
    };
  });
}
