import type { DocBinding, HeldDoc, LocalStore, RefusedChange, WorkspaceMeta } from '@desk/client';
import type * as Y from 'yjs';

/**
 * A LocalStore that waits for the real one. The desk opens its docs before it knows who
 * is signed in, but the replica is keyed by user id (see localKeys.ts): every call waits
 * until the user's store exists, so nothing is read from or written to the wrong replica.
 */
export class DeferredStore implements LocalStore {
  readonly #store: Promise<LocalStore>;

  constructor(store: Promise<LocalStore>) {
    this.#store = store;
    // A store that never comes (signed out) fails each call; it must not be unhandled here.
    store.catch(() => undefined);
  }

  bind(docId: string, doc: Y.Doc): DocBinding {
    let inner: DocBinding | null = null;
    const bound = this.#store.then((store) => {
      inner = store.bind(docId, doc);
      return inner;
    });
    return {
      whenLoaded: bound.then((binding) => binding.whenLoaded),
      // Read on every doc update (DocReplica ignores its store's own writes by origin), so
      // a getter is enough: before the store exists nothing has been applied from it.
      get origin(): unknown {
        return inner?.origin;
      },
      destroy: async () => {
        await (await bound).destroy();
      },
    };
  }

  async deleteDoc(docId: string): Promise<void> {
    await (await this.#store).deleteDoc(docId);
  }

  async listDocs(): Promise<HeldDoc[]> {
    return (await this.#store).listDocs();
  }

  async setDirty(docId: string, dirty: boolean): Promise<void> {
    await (await this.#store).setDirty(docId, dirty);
  }

  async getWorkspaceMeta(workspaceId: string): Promise<WorkspaceMeta | null> {
    return (await this.#store).getWorkspaceMeta(workspaceId);
  }

  async setWorkspaceMeta(workspaceId: string, meta: WorkspaceMeta): Promise<void> {
    await (await this.#store).setWorkspaceMeta(workspaceId, meta);
  }

  async getDrafts(docId: string): Promise<RefusedChange[]> {
    return (await this.#store).getDrafts(docId);
  }

  async setDrafts(docId: string, drafts: readonly RefusedChange[]): Promise<void> {
    await (await this.#store).setDrafts(docId, drafts);
  }

  /** Also when the store never came to be (nobody signed in): then there is nothing to close. */
  async close(): Promise<void> {
    const store = await this.#store.catch(() => null);
    await store?.close();
  }
}
