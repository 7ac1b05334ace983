import * as Y from 'yjs';
import type { LegacyDocDatabases } from './LegacyDocDatabases.ts';
import type { DocBinding } from './LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from './LocalStoreError.ts';
import type { UpdateLog } from './UpdateLog.ts';

export interface IndexedDbBindingParts {
  docId: string;
  doc: Y.Doc;
  log: UpdateLog;
  legacy: LegacyDocDatabases;
  /** Registers the doc as held (bookkeeping lives in another database). */
  register: () => Promise<void>;
  /** Rows a doc may have before they are merged into one. */
  compactAboveRows: number;
}

/**
 * One doc bound to the update log: loads the doc's rows in one read and applies them in one
 * Yjs transaction with this binding as origin, then stores every later update at once (no
 * debounce: a change followed by a hard reload must survive). Updates of the same task are
 * merged into one row. A doc with too many rows is compacted in the background; `destroy`
 * resolves once that compaction is done too.
 *
 * A failed write (storage full, database closed by the browser) is reported at once through
 * `onWriteError`; its row stays in memory and rides with the next write, and the error clears
 * once a write has stored everything that had failed.
 */
export class IndexedDbBinding implements DocBinding {
  readonly whenLoaded: Promise<void>;
  readonly #parts: IndexedDbBindingParts;
  /** Updates of the current task, written together at its end. */
  #pending: Uint8Array[] = [];
  #flushScheduled = false;
  /** Writes and compactions started and not finished; destroy waits for them. */
  readonly #writes = new Set<Promise<void>>();
  /** Rows whose write failed: kept in memory and carried by the next write. */
  #unstored: Uint8Array[] = [];
  /** Writes in flight that carry rows which failed before. */
  #retrying = 0;
  /** Set from a failed write until a later one stored everything that had failed. */
  #writeError: LocalStoreError | null = null;
  readonly #errorListeners = new Set<(error: LocalStoreError | null) => void>();
  /** Rows this binding knows the doc has (a heuristic: other tabs may add more). */
  #storedRows = 0;
  #compacting = false;
  #destroyed = false;

  constructor(parts: IndexedDbBindingParts) {
    this.#parts = parts;
    this.whenLoaded = this.#load().catch((cause: unknown) => {
      throw new LocalStoreError(LocalStoreErrorCode.loadFailed, parts.docId, cause);
    });
  }

  get origin(): unknown {
    return this;
  }

  onWriteError(listener: (error: LocalStoreError | null) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  async destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#parts.doc.off('update', this.#onUpdate);
      // Started in this task: a change made just before an unload is written before it.
      this.#flush();
      await this.#writesSettled();
      // Rows that failed meanwhile get one more try (once: destroy must end).
      if (this.#unstored.length > 0) this.#flush();
    }
    await this.whenLoaded.catch(() => undefined);
    await this.#writesSettled();
    if (this.#writeError !== null) throw this.#writeError;
  }

  async #load(): Promise<void> {
    const { docId, doc, log, legacy } = this.#parts;
    const [rows, legacyState] = await Promise.all([
      log.load(docId),
      // An unreadable legacy copy must not cost the doc its storage: it is left in place
      // (not deleted) and tried again on the next bind.
      legacy.read(docId).catch(() => null),
      this.#parts.register(),
    ]);
    if (legacyState) {
      // Stored in the log before the legacy database goes: unsynced offline edits live there.
      await log.append(docId, [legacyState]);
      await legacy.remove(docId);
      rows.push(legacyState);
    }
    if (this.#destroyed) return;
    // From here to the listener, no await: no update of the doc can slip between them.
    // Content the doc got before loading (a reset binds a doc filled from the server) is
    // not in the store yet: it is stored whole.
    const unstored = doc.store.clients.size > 0 ? Y.encodeStateAsUpdate(doc) : null;
    if (rows.length > 0) {
      Y.transact(
        doc,
        () => {
          for (const update of rows) Y.applyUpdate(doc, update);
        },
        this,
        false,
      );
    }
    this.#storedRows = rows.length;
    doc.on('update', this.#onUpdate);
    if (unstored) this.#enqueue(unstored);
    else this.#compactIfNeeded();
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== this) this.#enqueue(update);
  };

  #enqueue(update: Uint8Array): void {
    this.#pending.push(update);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const retried = this.#unstored.splice(0);
    const updates = [...retried, ...this.#pending.splice(0)];
    if (updates.length === 0) return;
    // One row per task: fewer rows to load and to compact later. Rows that failed before
    // go in the same row, so once a write works again nothing that failed is missing.
    const row = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    const carriesFailed = retried.length > 0;
    if (carriesFailed) this.#retrying++;
    const written = this.#append(row).then(
      () => {
        if (carriesFailed) this.#retrying--;
        this.#storedRows += 1;
        this.#writeSucceeded();
        this.#compactIfNeeded();
      },
      (cause: unknown) => {
        if (carriesFailed) this.#retrying--;
        this.#writeFailed(row, cause);
      },
    );
    this.#track(written);
  }

  /** Appends one row; a synchronous throw (a closed database) becomes a rejection. */
  #append(row: Uint8Array): Promise<void> {
    try {
      return this.#parts.log.append(this.#parts.docId, [row]);
    } catch (cause) {
      return Promise.reject(cause);
    }
  }

  #writeFailed(row: Uint8Array, cause: unknown): void {
    this.#unstored.push(row);
    this.#writeError = new LocalStoreError(
      LocalStoreErrorCode.writeFailed,
      this.#parts.docId,
      cause,
    );
    this.#emitWriteError(this.#writeError);
  }

  /**
   * Clears the error only when nothing that failed is left unwritten: neither waiting for
   * the next write nor riding on one still in flight (which may fail too).
   */
  #writeSucceeded(): void {
    if (this.#writeError === null || this.#unstored.length > 0 || this.#retrying > 0) return;
    this.#writeError = null;
    this.#emitWriteError(null);
  }

  #emitWriteError(error: LocalStoreError | null): void {
    for (const listener of [...this.#errorListeners]) listener(error);
  }

  /**
   * Also after destroy began: the write that crosses the limit may finish only then (on a
   * busy machine it often does), and a doc left with every row would load slower each time.
   * The compaction is tracked, so destroy waits for it; it runs at most once more, since
   * nothing is written after destroy but one retry.
   */
  #compactIfNeeded(): void {
    if (this.#compacting) return;
    if (this.#storedRows <= this.#parts.compactAboveRows) return;
    this.#compacting = true;
    this.#track(
      this.#parts.log
        .compact(this.#parts.docId)
        .then(
          (merged) => {
            if (merged > 0) this.#storedRows = Math.max(1, this.#storedRows - merged + 1);
          },
          () => {
            // Not a lost change: the merge is one transaction, so a failed one leaves every
            // row in place. Try again after as many rows more, not after every write.
            this.#storedRows = 0;
          },
        )
        .finally(() => {
          this.#compacting = false;
        }),
    );
  }

  async #writesSettled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
  }

  /** Tracks a write that handles its own failure, so destroy can wait for it. */
  #track(write: Promise<void>): void {
    const tracked = write.finally(() => this.#writes.delete(tracked));
    this.#writes.add(tracked);
  }
}
