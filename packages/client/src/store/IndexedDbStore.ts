import type * as Y from 'yjs';
import { IndexedDbBinding } from './IndexedDbBinding.ts';
import { openDatabase, request } from './idbRequests.ts';
import { LegacyDocDatabases } from './LegacyDocDatabases.ts';
import type {
  DocBinding,
  HeldDoc,
  LocalStore,
  RefusedChange,
  WorkspaceMeta,
} from './LocalStore.ts';
import { UpdateLog } from './UpdateLog.ts';

const DOCS = 'docs';
const WORKSPACES = 'workspaces';
const DRAFTS = 'drafts';

/**
 * Rows a doc may have in the update log before they are merged into one state. Loading
 * applies every row; merging costs a read and a write. 100 keeps loads cheap for docs
 * edited for a long time without merging after every few keystrokes.
 */
export const COMPACT_ABOVE_ROWS = 100;

export interface IndexedDbStoreOptions {
  /**
   * Prefix of the store's database names: `<prefix>updates` holds every doc's updates and
   * `<prefix>meta` the bookkeeping. (`<prefix>doc:<docId>` are the previous layout's
   * per-doc databases, imported and deleted on first use.)
   * @default 'desk:'
   */
  prefix?: string;
  /** @default COMPACT_ABOVE_ROWS */
  compactAboveRows?: number;
}

/**
 * The browser's LocalStore, in two IndexedDB databases whatever the number of docs: every
 * doc's Yjs updates in one update log (`<prefix>updates`), and the bookkeeping (held docs,
 * dirty flags, per-workspace seq and generation, refused drafts) in `<prefix>meta`.
 *
 * Why not one database per doc (y-indexeddb, the previous layout): replicating a workspace
 * opened, wrote and closed thousands of databases. Why the log is not a new store inside
 * `<prefix>meta`: that would need meta at version 2, and a tab still running the previous
 * version holds version 1 open without ever closing it for an upgrade, so the new tab would
 * wait on it forever. Two databases keep the old and new versions side by side.
 *
 * The update log and the legacy databases are opened on first use, so reading bookkeeping
 * (logout's unsynced-work check) touches only meta. Runs in Node over fake-indexeddb.
 */
export class IndexedDbStore implements LocalStore {
  readonly #prefix: string;
  readonly #compactAboveRows: number;
  readonly #meta: Promise<IDBDatabase>;
  #log: UpdateLog | null = null;
  #legacy: LegacyDocDatabases | null = null;

  constructor(options: IndexedDbStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'desk:';
    this.#compactAboveRows = options.compactAboveRows ?? COMPACT_ABOVE_ROWS;
    this.#meta = openDatabase(`${this.#prefix}meta`, 1, (db) => {
      for (const store of [DOCS, WORKSPACES, DRAFTS]) db.createObjectStore(store);
    });
  }

  bind(docId: string, doc: Y.Doc): DocBinding {
    return new IndexedDbBinding({
      docId,
      doc,
      log: this.#updateLog(),
      legacy: this.#legacyDatabases(),
      register: () => this.#register(docId),
      compactAboveRows: this.#compactAboveRows,
    });
  }

  async deleteDoc(docId: string): Promise<void> {
    await Promise.all([this.#updateLog().delete(docId), this.#legacyDatabases().remove(docId)]);
    await this.#withStore(DOCS, 'readwrite', async (store) => {
      await request(store.delete(docId));
    });
  }

  listDocs(): Promise<HeldDoc[]> {
    return this.#withStore(DOCS, 'readonly', async (store) => {
      return (await request(store.getAll())) as HeldDoc[];
    });
  }

  setDirty(docId: string, dirty: boolean): Promise<void> {
    return this.#withStore(DOCS, 'readwrite', async (store) => {
      await request(store.put({ docId, dirty } satisfies HeldDoc, docId));
    });
  }

  getWorkspaceMeta(workspaceId: string): Promise<WorkspaceMeta | null> {
    return this.#withStore(WORKSPACES, 'readonly', async (store) => {
      return ((await request(store.get(workspaceId))) as WorkspaceMeta | undefined) ?? null;
    });
  }

  setWorkspaceMeta(workspaceId: string, meta: WorkspaceMeta): Promise<void> {
    return this.#withStore(WORKSPACES, 'readwrite', async (store) => {
      const value: WorkspaceMeta = { seq: meta.seq, generation: meta.generation };
      if (meta.syncedAt !== undefined) value.syncedAt = meta.syncedAt;
      await request(store.put(value, workspaceId));
    });
  }

  getDrafts(docId: string): Promise<RefusedChange[]> {
    return this.#withStore(DRAFTS, 'readonly', async (store) => {
      return ((await request(store.get(docId))) as RefusedChange[] | undefined) ?? [];
    });
  }

  setDrafts(docId: string, drafts: readonly RefusedChange[]): Promise<void> {
    return this.#withStore(DRAFTS, 'readwrite', async (store) => {
      if (drafts.length === 0) await request(store.delete(docId));
      else await request(store.put([...drafts], docId));
    });
  }

  async close(): Promise<void> {
    await this.#log?.close();
    (await this.#meta).close();
  }

  #updateLog(): UpdateLog {
    this.#log ??= new UpdateLog(`${this.#prefix}updates`);
    return this.#log;
  }

  #legacyDatabases(): LegacyDocDatabases {
    this.#legacy ??= new LegacyDocDatabases(this.#prefix);
    return this.#legacy;
  }

  /** Registers a doc as held, keeping its dirty flag if it has one. */
  #register(docId: string): Promise<void> {
    return this.#withStore(DOCS, 'readwrite', async (store) => {
      const existing = (await request(store.get(docId))) as HeldDoc | undefined;
      if (!existing) await request(store.put({ docId, dirty: false } satisfies HeldDoc, docId));
    });
  }

  async #withStore<T>(
    name: string,
    access: 'readonly' | 'readwrite',
    run: (store: IDBObjectStore) => Promise<T>,
  ): Promise<T> {
    const db = await this.#meta;
    return run(db.transaction(name, access).objectStore(name));
  }
}
