import type { ReplicationProgress } from '@desk/client';
import { parseDocId } from '@desk/protocol';

/** What the manager needs from SyncClient (`client.replicate`). */
export interface Replicator {
  replicate(
    docIds: readonly string[],
    options: { concurrency: number; beforeEachDoc?: () => Promise<void> },
  ): {
    readonly finished: Promise<ReplicationProgress>;
    subscribe(listener: (progress: ReplicationProgress) => void): () => void;
    cancel(): void;
  };
}

/** Which docs were fully synced before (ReplicaLedger in the browser). */
export interface Ledger {
  load(): Promise<Set<string>>;
  add(docIds: readonly string[]): Promise<void>;
}

export interface ReplicaProgress {
  /** Docs this device keeps (the replication policy's choice, plus notices and channels). */
  total: number;
  /** Docs held locally and synced at least once. */
  done: number;
  /** Ticket docs among `total` ("412 of 500 tickets available offline"). */
  ticketsTotal: number;
  /** Ticket docs among `done`. */
  ticketsDone: number;
  /** Docs the server refused this time (not retried until the next start). */
  failed: number;
  /** Replication is working through docs not yet held. */
  running: boolean;
}

export interface ReplicaManagerOptions {
  replicator: Replicator;
  ledger: Ledger;
  /** The docs this device keeps now (ReplicationPolicy's tickets, notices, channels). */
  docIds: () => readonly string[];
  /** Docs in one `replicate` call; the ledger is written per batch. @default 100 */
  batchSize?: number;
  /** Docs in flight at once. @default 4 */
  concurrency?: number;
  /**
   * Awaited between batches so the page stays responsive while thousands of docs load
   * (the browser passes `requestIdleCallback`). @default a macrotask
   */
  pause?: () => Promise<void>;
  /**
   * Awaited before each doc starts (the browser passes `backgroundTurn`: none starts while
   * the user types). @default none
   */
  beforeEachDoc?: () => Promise<void>;
}

/**
 * Holds what this device keeps of a workspace in the local replica (issues 7 and 15): each
 * doc `docIds()` names is synced into IndexedDB once, in the background, in small batches
 * with pauses between them; after that, catch-up keeps them current in proportion to change
 * (catch-up syncs only docs the store holds, so a doc never fetched stays on the server).
 * Docs added later (new tickets) join on `refresh()`; a doc opened on demand joins with
 * `markHeld` once it is in sync. Progress feeds "412 of 500 tickets available offline".
 */
export class ReplicaManager {
  readonly #options: Required<Omit<ReplicaManagerOptions, 'beforeEachDoc'>> &
    Pick<ReplicaManagerOptions, 'beforeEachDoc'>;
  readonly #listeners = new Set<(progress: ReplicaProgress) => void>();
  #replicated: Set<string> | null = null;
  readonly #failed = new Set<string>();
  #wanted: readonly string[] = [];
  /** The ticket docs among `#wanted` (counted apart for "N of M tickets"). */
  #wantedTickets: ReadonlySet<string> = new Set();
  #inFlight = 0;
  #running = false;
  #stopped = false;
  #current: { cancel(): void } | null = null;
  #progress: ReplicaProgress = {
    total: 0,
    done: 0,
    ticketsTotal: 0,
    ticketsDone: 0,
    failed: 0,
    running: false,
  };
  #loaded: Promise<Set<string>> | null = null;

  constructor(options: ReplicaManagerOptions) {
    this.#options = {
      batchSize: 100,
      concurrency: 4,
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      ...options,
    };
  }

  get progress(): ReplicaProgress {
    return this.#progress;
  }

  /** Svelte store contract: called now and on every change. */
  subscribe(listener: (progress: ReplicaProgress) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#progress);
    return () => this.#listeners.delete(listener);
  }

  /** Starts, or picks up docs that appeared since (call when the index changes). */
  refresh(): void {
    if (this.#stopped) return;
    this.#wanted = this.#options.docIds();
    // Parsed once per refresh, not on every progress event of a 5,000-doc run.
    this.#wantedTickets = new Set(this.#wanted.filter((id) => parseDocId(id)?.kind === 'ticket'));
    this.#emit();
    if (!this.#running) void this.#run();
  }

  /**
   * Whether a doc has been fully synced to this device at least once (so it opens offline
   * with its content); resolves once the ledger is read.
   */
  async isHeld(docId: string): Promise<boolean> {
    return (await this.#ledger()).has(docId);
  }

  /** Records docs synced outside the background run (a ticket opened on demand). */
  async markHeld(docIds: readonly string[]): Promise<void> {
    const replicated = await this.#ledger();
    const fresh = docIds.filter((id) => !replicated.has(id));
    if (fresh.length === 0) return;
    await this.#options.ledger.add(fresh);
    for (const docId of fresh) {
      replicated.add(docId);
      this.#failed.delete(docId);
    }
    this.#emit();
  }

  /** Starts no further docs (the workspace is closed or the user logs out). */
  stop(): void {
    this.#stopped = true;
    this.#current?.cancel();
    this.#emit();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      this.#replicated = await this.#ledger();
      for (;;) {
        const batch = this.#missing().slice(0, this.#options.batchSize);
        if (batch.length === 0 || this.#stopped) break;
        this.#emit();
        const replication = this.#options.replicator.replicate(batch, {
          concurrency: this.#options.concurrency,
          beforeEachDoc: this.#options.beforeEachDoc,
        });
        this.#current = replication;
        const off = replication.subscribe((p) => {
          this.#inFlight = p.done;
          this.#emit();
        });
        const result = await replication.finished;
        off();
        this.#current = null;
        this.#inFlight = 0;
        // Replication counts refusals but does not name them: a batch without refusals is
        // recorded whole; otherwise it is left for the next start (a refused doc is usually
        // a membership gone, which the status bar explains) and not retried now.
        if (result.failed === 0 && result.done === batch.length) {
          await this.#options.ledger.add(batch);
          for (const docId of batch) this.#replicated.add(docId);
        } else {
          for (const docId of batch) this.#failed.add(docId);
        }
        this.#emit();
        await this.#options.pause();
      }
    } finally {
      this.#running = false;
      this.#emit();
    }
  }

  #ledger(): Promise<Set<string>> {
    this.#loaded ??= this.#options.ledger.load().then((ids) => (this.#replicated = ids));
    return this.#loaded;
  }

  #missing(): string[] {
    const replicated = this.#replicated;
    if (!replicated) return [];
    return this.#wanted.filter((id) => !replicated.has(id) && !this.#failed.has(id));
  }

  #emit(): void {
    const replicated = this.#replicated;
    let done = 0;
    let failed = 0;
    let ticketsTotal = 0;
    let ticketsDone = 0;
    for (const id of this.#wanted) {
      const ticket = this.#wantedTickets.has(id);
      if (ticket) ticketsTotal++;
      if (replicated?.has(id)) {
        done++;
        if (ticket) ticketsDone++;
      } else if (this.#failed.has(id)) failed++;
    }
    this.#progress = {
      total: this.#wanted.length,
      done: Math.min(this.#wanted.length, done + this.#inFlight),
      ticketsTotal,
      // In-flight docs are not counted here: "available offline" means stored, not started.
      ticketsDone,
      failed,
      running: this.#running && !this.#stopped && this.#missing().length + this.#inFlight > 0,
    };
    for (const listener of this.#listeners) listener(this.#progress);
  }
}
