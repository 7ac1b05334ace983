import type * as Y from 'yjs';
import type { DocBinding, LocalStore } from '../store/LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from '../store/LocalStoreError.ts';

export interface LocalSaveHost {
  /** The save error or the dirty flag changed. */
  changed(): void;
  log(event: string, details: Record<string, unknown>): void;
}

/**
 * One replica's copy on this device: binds its doc to the local store, follows whether
 * storing still works (the status says so while it does not), keeps the store's dirty flag
 * and replaces the stored doc after a reset. Store operations run in order, because a reset
 * replaces the stored doc while the new one keeps changing.
 */
export class LocalSaveTracker {
  readonly #docId: string;
  readonly #store: LocalStore;
  readonly #host: LocalSaveHost;
  #binding: DocBinding | null = null;
  #ops: Promise<void> = Promise.resolve();
  /** The store could not load or store this doc; null while it keeps up. */
  #error: LocalStoreError | null = null;
  /** What the store's dirty flag is known to be; undefined until written from here. */
  #dirty: boolean | undefined;
  #closed = false;

  constructor(docId: string, store: LocalStore, host: LocalSaveHost) {
    this.#docId = docId;
    this.#store = store;
    this.#host = host;
  }

  get error(): LocalStoreError | null {
    return this.#error;
  }

  /**
   * Local changes exist only in memory: saving failed, and they are marked dirty or the
   * server has not confirmed them (`unconfirmed`). Unloading would lose them.
   */
  holdsUnsavedWork(unconfirmed: boolean): boolean {
    return this.#error !== null && (this.#dirty === true || unconfirmed);
  }

  /** True for the origin of stored state the store applies: not a local change. */
  isStoreOrigin(origin: unknown): boolean {
    return this.#binding !== null && origin === this.#binding.origin;
  }

  /** Binds `doc` and applies the stored state. Never rejects: a failure is the status. */
  async load(doc: Y.Doc): Promise<void> {
    try {
      this.#binding = this.#bind(doc);
      await this.#binding.whenLoaded;
    } catch (err) {
      // Without a local copy the doc still syncs from the server; an empty replica merges
      // into the server's state and never overwrites it, so this is degraded, not unsafe.
      // But nothing of it is stored here: the status says so while the replica lives.
      this.#host.log('local_load_failed', { docId: this.#docId, error: String(err) });
      this.#failed(asLocalStoreError(err, LocalStoreErrorCode.loadFailed, this.#docId));
    }
  }

  /** Records whether the doc holds local changes the server may not have. */
  markDirty(dirty: boolean): void {
    if (this.#dirty === dirty) return;
    this.#dirty = dirty;
    this.#store.setDirty(this.#docId, dirty).catch((err: unknown) => {
      this.#host.log('local_dirty_failed', { docId: this.#docId, error: String(err) });
    });
  }

  /**
   * After a reset: the stored doc is replaced by `doc`'s whole state, including changes made
   * meanwhile. `afterwards` runs once the old binding is closed (success or not).
   */
  replace(doc: Y.Doc, afterwards: () => void): void {
    const oldBinding = this.#binding;
    this.#binding = null;
    this.#ops = this.#ops
      .then(async () => {
        // What the old binding failed to store is replaced below anyway: not a reason to
        // leave the new doc unstored.
        await oldBinding?.destroy().catch((err: unknown) => this.#closeFailed(err));
        await this.#store.deleteDoc(this.#docId);
        // Bound even when the replica is being unloaded meanwhile (`close` waits for this
        // and then closes the binding): stopping here would leave the device with no copy.
        // What the old doc failed to store no longer matters. Cleared before binding, so a
        // failing write of the new doc, reported later, is not cleared by mistake.
        if (!this.#closed) this.#works();
        this.#binding = this.#bind(doc);
        await this.#binding.whenLoaded;
      })
      .catch((err: unknown) => {
        this.#host.log('local_reset_failed', { docId: this.#docId, error: String(err) });
        if (this.#closed) return;
        this.#failed(asLocalStoreError(err, LocalStoreErrorCode.writeFailed, this.#docId));
      })
      .finally(afterwards);
  }

  /** Finishes the store operations under way, then stops storing (last writes included). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#ops;
    await this.#binding?.destroy().catch((err: unknown) => this.#closeFailed(err));
    this.#binding = null;
  }

  /** Binds a doc, following its write failures while it is the current one. */
  #bind(doc: Y.Doc): DocBinding {
    const binding = this.#store.bind(this.#docId, doc);
    binding.onWriteError((error) => {
      if (this.#binding !== binding || this.#closed) return;
      if (error) this.#failed(error);
      else this.#works();
    });
    return binding;
  }

  #failed(error: LocalStoreError): void {
    // Logged once per failure, not once per keystroke while it lasts.
    if (this.#error === null) {
      this.#host.log('local_save_failed', { docId: this.#docId, error: error.message });
    }
    this.#error = error;
    this.#host.changed();
  }

  #works(): void {
    if (this.#error === null) return;
    this.#error = null;
    this.#host.log('local_save_recovered', { docId: this.#docId });
    this.#host.changed();
  }

  #closeFailed(err: unknown): void {
    this.#host.log('store_close_failed', { docId: this.#docId, error: String(err) });
  }
}

function asLocalStoreError(
  err: unknown,
  code: LocalStoreErrorCode,
  docId: string,
): LocalStoreError {
  return err instanceof LocalStoreError ? err : new LocalStoreError(code, docId, err);
}
