import { Listeners } from '../status/Listeners.ts';

export interface ReplicationProgress {
  total: number;
  /** Docs now held locally and in sync with the server. */
  done: number;
  /** Docs the server refused (their handles' status says why). */
  failed: number;
  running: boolean;
}

/**
 * Syncs a list of docs in the background, `concurrency` at a time: each is loaded from the
 * local store, subscribed, brought in sync both ways, then unloaded. Survives reconnects
 * (a doc waits for the next connection). The offline issue uses it to hold a whole
 * workspace locally; catch-up uses it for the docs that changed.
 */
export class Replication {
  readonly finished: Promise<ReplicationProgress>;
  readonly #docIds: readonly string[];
  readonly #listeners = new Listeners<ReplicationProgress>();
  #next = 0;
  #done = 0;
  #failed = 0;
  #running = true;
  #resolve!: (progress: ReplicationProgress) => void;

  constructor(
    docIds: readonly string[],
    concurrency: number,
    syncOne: (docId: string) => Promise<boolean>,
    beforeEachDoc: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#docIds = [...new Set(docIds)];
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    const workers = Math.max(1, Math.min(concurrency, this.#docIds.length));
    if (this.#docIds.length === 0) {
      this.#finish();
      return;
    }
    let active = workers;
    for (let i = 0; i < workers; i++) {
      void this.#work(syncOne, beforeEachDoc).finally(() => {
        if (--active === 0) this.#finish();
      });
    }
  }

  get progress(): ReplicationProgress {
    return {
      total: this.#docIds.length,
      done: this.#done,
      failed: this.#failed,
      running: this.#running,
    };
  }

  /** Svelte store contract: called now and on every change. */
  subscribe(listener: (progress: ReplicationProgress) => void): () => void {
    return this.#listeners.subscribe(() => this.progress, listener);
  }

  /** Starts no further docs; docs already syncing finish in the background. */
  cancel(): void {
    this.#next = this.#docIds.length;
    this.#finish();
  }

  async #work(
    syncOne: (docId: string) => Promise<boolean>,
    beforeEachDoc: () => Promise<void>,
  ): Promise<void> {
    while (this.#next < this.#docIds.length) {
      await beforeEachDoc();
      // Cancelled (or the other workers took the rest) while waiting.
      if (this.#next >= this.#docIds.length) break;
      const docId = this.#docIds[this.#next++]!;
      let ok = false;
      try {
        ok = await syncOne(docId);
      } catch {
        ok = false; // syncOne reports its own errors; here it only counts
      }
      if (ok) this.#done++;
      else this.#failed++;
      if (this.#running) this.#listeners.emit(this.progress);
    }
  }

  #finish(): void {
    if (!this.#running) return;
    this.#running = false;
    const progress = this.progress;
    this.#listeners.emit(progress);
    this.#resolve(progress);
  }
}
