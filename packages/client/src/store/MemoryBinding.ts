import * as Y from 'yjs';
import type { DocBinding } from './LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from './LocalStoreError.ts';

/** A doc as MemoryStore keeps it. */
export interface StoredDoc {
  updates: Uint8Array[];
  dirty: boolean;
}

/** Where a MemoryBinding writes: its doc's entry in the store. */
export interface MemoryDocSlot {
  readonly docId: string;
  /** The doc's stored entry, created on first use. */
  entry(): StoredDoc;
  /** Why writes fail at the moment (`MemoryStore.failWrites`), or null when they work. */
  writeFailure(): Error | null;
}

/** Stored updates of a doc merged into one past this many (reads stay cheap). */
const MERGE_ABOVE = 500;

/**
 * One doc bound to a MemoryStore. Writes are synchronous, so nothing is lost between a change
 * and `destroy()`. A failing write (simulated by `MemoryStore.failWrites`) behaves as in
 * IndexedDbStore: reported at once, kept in memory, carried by the next write.
 */
export class MemoryBinding implements DocBinding {
  readonly whenLoaded: Promise<void>;
  readonly origin: unknown;
  readonly #slot: MemoryDocSlot;
  readonly #doc: Y.Doc;
  /** Updates whose write failed, stored with the next write that works. */
  #unstored: Uint8Array[] = [];
  #writeError: LocalStoreError | null = null;
  readonly #errorListeners = new Set<(error: LocalStoreError | null) => void>();
  #destroyed = false;

  constructor(slot: MemoryDocSlot, doc: Y.Doc) {
    this.#slot = slot;
    this.#doc = doc;
    this.origin = { store: 'memory', docId: slot.docId };
    // Asynchronous like IndexedDB, so the caller holds the binding (and its origin) before
    // stored state arrives.
    this.whenLoaded = Promise.resolve().then(() => this.#load());
  }

  onWriteError(listener: (error: LocalStoreError | null) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.whenLoaded;
    this.#doc.off('update', this.#onUpdate);
    // A last try for what failed: the store may work again.
    if (this.#unstored.length > 0) this.#write([]);
    if (this.#writeError !== null) throw this.#writeError;
  }

  #load(): void {
    if (this.#destroyed) return;
    const stored = this.#slot.entry();
    if (stored.updates.length > 0) {
      Y.applyUpdate(this.#doc, Y.mergeUpdates(stored.updates), this.origin);
    }
    // Like y-indexeddb: one merged state (including changes made before loading) plus the
    // updates since, so reads stay cheap.
    stored.updates = [Y.encodeStateAsUpdate(this.#doc)];
    this.#doc.on('update', this.#onUpdate);
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== this.origin) this.#write([update]);
  };

  #write(updates: Uint8Array[]): void {
    const rows = [...this.#unstored.splice(0), ...updates];
    const failure = this.#slot.writeFailure();
    if (failure !== null) {
      this.#unstored = rows;
      this.#writeError = new LocalStoreError(
        LocalStoreErrorCode.writeFailed,
        this.#slot.docId,
        failure,
      );
      this.#emit(this.#writeError);
      return;
    }
    const entry = this.#slot.entry();
    entry.updates.push(...rows);
    if (entry.updates.length > MERGE_ABOVE) entry.updates = [Y.mergeUpdates(entry.updates)];
    if (this.#writeError !== null) {
      this.#writeError = null;
      this.#emit(null);
    }
  }

  #emit(error: LocalStoreError | null): void {
    for (const listener of [...this.#errorListeners]) listener(error);
  }
}
