import { clearDocument, IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';
import type {
  DocBinding,
  HeldDoc,
  LocalStore,
  RefusedChange,
  WorkspaceMeta,
} from './LocalStore.ts';

const DOCS = 'docs';
const WORKSPACES = 'workspaces';
const DRAFTS = 'drafts';

export interface IndexedDbStoreOptions {
  /**
   * Prefix of every database name: y-indexeddb keeps one database per document
   * (`<prefix>doc:<docId>`), and the bookkeeping lives in `<prefix>meta`.
   * @default 'desk:'
   */
  prefix?: string;
}

/**
 * The browser's LocalStore: document states through y-indexeddb (one database per doc, as
 * y-indexeddb does), bookkeeping (held docs, dirty flags, per-workspace seq and generation,
 * refused drafts) in one meta database. Runs in Node over fake-indexeddb.
 */
export class IndexedDbStore implements LocalStore {
  readonly #prefix: string;
  readonly #meta: Promise<IDBDatabase>;

  constructor(options: IndexedDbStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'desk:';
    this.#meta = openMetaDb(`${this.#prefix}meta`);
  }

  bind(docId: string, doc: Y.Doc): DocBinding {
    const persistence = new IndexeddbPersistence(this.#docDbName(docId), doc);
    const registered = this.#withStore(DOCS, 'readwrite', async (store) => {
      const existing = (await request(store.get(docId))) as HeldDoc | undefined;
      if (!existing) await request(store.put({ docId, dirty: false } satisfies HeldDoc, docId));
    });
    return {
      whenLoaded: Promise.all([persistence.whenSynced, registered]).then(() => undefined),
      origin: persistence,
      destroy: () => persistence.destroy(),
    };
  }

  async deleteDoc(docId: string): Promise<void> {
    await clearDocument(this.#docDbName(docId));
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
      await request(store.put({ seq: meta.seq, generation: meta.generation }, workspaceId));
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
    (await this.#meta).close();
  }

  #docDbName(docId: string): string {
    return `${this.#prefix}doc:${docId}`;
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

function openMetaDb(name: string): Promise<IDBDatabase> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    for (const store of [DOCS, WORKSPACES, DRAFTS]) open.result.createObjectStore(store);
  };
  return request(open);
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}
