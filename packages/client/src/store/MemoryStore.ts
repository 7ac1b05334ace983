import * as Y from 'yjs';
import { MemoryBinding } from './MemoryBinding.ts';
import type { StoredDoc } from './MemoryBinding.ts';
import type {
  DocBinding,
  HeldDoc,
  LocalStore,
  RefusedChange,
  WorkspaceMeta,
} from './LocalStore.ts';

/**
 * A LocalStore in memory: the default in Node and the store tests share between two
 * SyncClient instances to simulate a page reload. Writes are synchronous, so nothing is lost
 * between a change and `destroy()`; `failWrites` makes them fail, as a full disk would.
 */
export class MemoryStore implements LocalStore {
  readonly #docs = new Map<string, StoredDoc>();
  readonly #workspaces = new Map<string, WorkspaceMeta>();
  readonly #drafts = new Map<string, RefusedChange[]>();
  #writeFailure: Error | null = null;

  bind(docId: string, doc: Y.Doc): DocBinding {
    return new MemoryBinding(
      { docId, entry: () => this.#entry(docId), writeFailure: () => this.#writeFailure },
      doc,
    );
  }

  /**
   * Tests: while `cause` is set, every write of a bound doc's updates fails with it (as
   * IndexedDB does when storage is full); `null` makes writes work again.
   */
  failWrites(cause: Error | null): void {
    this.#writeFailure = cause;
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
