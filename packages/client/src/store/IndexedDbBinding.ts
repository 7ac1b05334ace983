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
 * merged into one row. A doc with too many rows is compacted in the background.
 */
export class IndexedDbBinding implements DocBinding {
  readonly whenLoaded: Promise<void>;
  readonly #parts: IndexedDbBindingParts;
  /** Updates of the current task, written together at its end. */
  #pending: Uint8Array[] = [];
  #flushScheduled = false;
  /** Writes started and not finished; destroy waits for them. */
  readonly #writes = new Set<Promise<void>>();
  #writeError: unknown = null;
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

  async destroy(): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#parts.doc.off('update', this.#onUpdate);
      this.#flush();
    }
    await this.whenLoaded.catch(() => undefined);
    while (this.#writes.size > 0) await Promise.all(this.#writes);
    if (this.#writeError !== null) {
      throw new LocalStoreError(
        LocalStoreErrorCode.writeFailed,
        this.#parts.docId,
        this.#writeError,
      );
    }
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
    const updates = this.#pending.splice(0);
    if (updates.length === 0) return;
    // One row per task: fewer rows to load and to compact later.
    const row = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    this.#track(
      this.#parts.log.append(this.#parts.docId, [row]).then(() => {
        this.#storedRows += 1;
        this.#compactIfNeeded();
      }),
    );
  }

  #compactIfNeeded(): void {
    if (this.#destroyed || this.#compacting) return;
    if (this.#storedRows <= this.#parts.compactAboveRows) return;
    this.#compacting = true;
    this.#track(
      this.#parts.log
        .compact(this.#parts.docId)
        .then((merged) => {
          if (merged > 0) this.#storedRows = Math.max(1, this.#storedRows - merged + 1);
        })
        .finally(() => {
          this.#compacting = false;
        }),
    );
  }

  #track(write: Promise<void>): void {
    const tracked = write
      .catch((err: unknown) => {
        this.#writeError ??= err;
      })
      .finally(() => this.#writes.delete(tracked));
    this.#writes.add(tracked);
  }
}
