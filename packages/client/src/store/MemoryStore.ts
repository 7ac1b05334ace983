import * as Y from 'yjs';
import type {
  DocBinding,
  HeldDoc,
  LocalStore,
  RefusedChange,
  WorkspaceMeta,
} from './LocalStore.ts';

interface StoredDoc {
  updates: Uint8Array[];
  dirty: boolean;
}

/**
 * A LocalStore in memory: the default in Node and the store tests share between two
 * SyncClient instances to simulate a page reload. Writes are synchronous, so nothing is lost
 * between a change and `destroy()`.
 */
export class MemoryStore implements LocalStore {
  readonly #docs = new Map<string, StoredDoc>();
  readonly #workspaces = new Map<string, WorkspaceMeta>();
  readonly #drafts = new Map<string, RefusedChange[]>();

  bind(docId: string, doc: Y.Doc): DocBinding {
    const origin = { store: 'memory', docId };
    let destroyed = false;
    const onUpdate = (update: Uint8Array, updateOrigin: unknown) => {
      if (updateOrigin === origin) return;
      const entry = this.#entry(docId);
      entry.updates.push(update);
      if (entry.updates.length > 500) entry.updates = [Y.mergeUpdates(entry.updates)];
    };
    // Asynchronous like IndexedDB, so the caller holds the binding (and its origin) before
    // stored state arrives.
    const whenLoaded = Promise.resolve().then(() => {
      if (destroyed) return;
      const stored = this.#entry(docId);
      if (stored.updates.length > 0) {
        Y.applyUpdate(doc, Y.mergeUpdates(stored.updates), origin);
      }
      // Like y-indexeddb: one merged state (including changes made before loading) plus
      // the updates since, so reads stay cheap.
      stored.updates = [Y.encodeStateAsUpdate(doc)];
      doc.on('update', onUpdate);
    });
    return {
      whenLoaded,
      origin,
      destroy: async () => {
        destroyed = true;
        await whenLoaded;
        doc.off('update', onUpdate);
      },
    };
  }

  deleteDoc(docId: string): Promise<void> {
    this.#docs.delete(docId);
    return Promise.resolve();
  }

  listDocs(): Promise<HeldDoc[]> {
    return Promise.resolve([...this.#docs].map(([docId, { dirty }]) => ({ docId, dirty })));
  }

  setDirty(docId: string, dirty: boolean): Promise<void> {
    const entry = this.#docs.get(docId);
    if (entry) entry.dirty = dirty;
    return Promise.resolve();
  }

  getWorkspaceMeta(workspaceId: string): Promise<WorkspaceMeta | null> {
    const meta = this.#workspaces.get(workspaceId);
    return Promise.resolve(meta ? { ...meta } : null);
  }

  setWorkspaceMeta(workspaceId: string, meta: WorkspaceMeta): Promise<void> {
    this.#workspaces.set(workspaceId, { ...meta });
    return Promise.resolve();
  }

  getDrafts(docId: string): Promise<RefusedChange[]> {
    return Promise.resolve([...(this.#drafts.get(docId) ?? [])]);
  }

  setDrafts(docId: string, drafts: readonly RefusedChange[]): Promise<void> {
    if (drafts.length === 0) this.#drafts.delete(docId);
    else this.#drafts.set(docId, [...drafts]);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The stored state of a doc, merged (tests compare replicas with it). */
  storedState(docId: string): Uint8Array | null {
    const entry = this.#docs.get(docId);
    return entry && entry.updates.length > 0 ? Y.mergeUpdates(entry.updates) : null;
  }

  #entry(docId: string): StoredDoc {
    let entry = this.#docs.get(docId);
    if (!entry) {
      entry = { updates: [], dirty: false };
      this.#docs.set(docId, entry);
    }
    return entry;
  }
}
