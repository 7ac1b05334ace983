import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseDocId } from '@desk/protocol';
import type * as Y from 'yjs';
import type { Logger } from '../log/logger.ts';
import type { JobLease } from '../lifecycle/JobLease.ts';
import { StaleFenceError, type ChangedDocRow, type LeaseFence } from '../store/DocStore.ts';
import { leaseFence } from '../store/leaseFences.ts';
import type { EngineDocs } from '../sync/SyncEngine.ts';
import { currentIndexDocId, isOlderIndexGeneration } from './olderIndexGeneration.ts';
import { ticketSearchText } from './searchOps.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TicketSearchFields, TicketSearchIndex } from './TicketSearchIndex.ts';

/**
 * Reading a stored document's searchable text (searchOps), where its size says: the
 * server passes HeavyYjs (worker thread for large docs, inline for small ones).
 */
export interface SearchReader {
  run(kind: 'ticketBody', args: [Uint8Array[]], bytes: number): Promise<string>;
  run(kind: 'ticketFields', args: [Uint8Array[]], bytes: number): Promise<TicketSearchFields[]>;
}

/** A document loaded in this process, as the sync engine holds it. */
export interface LoadedDoc {
  /** Equal to what the store holds at least up to the changes the projector was told of. */
  readonly doc: Y.Doc;
  /** What it weighs in the store (merged state plus log). */
  readonly storedBytes: number;
}

/** Tells the projector that documents were stored (the sync engine, after each such turn). */
export interface StoredChanges {
  /** Calls `listener` after every turn that stored updates; returns how to stop. */
  onStored(listener: () => void): () => void;
}

/**
 * The stored documents the projector reads: the engine's (`SyncEngine.docs`), on the
 * embedded store or the cluster's shared one alike.
 */
export type ProjectedDocs = Pick<EngineDocs, 'storedParts' | 'changedSince'>;

/**
 * A cluster's projector: one process projects at a time, the holder of the `search` job
 * lease, for as long as it lives (see `SearchProjector.start`).
 */
export interface ProjectorLease {
  /** `RedisJobLease` on a cluster: renewed while held, expires when its holder dies. */
  readonly jobLease: JobLease;
  /**
   * While holding it, a pass at least this often: the holder's engine tells it only of the
   * writes stored by this process, and this is how it finds the other processes'. @default 2000 ms
   */
  readonly pollMs?: number;
  /** While another process holds it, asks again this often (a takeover's delay). @default 5000 ms */
  readonly contendMs?: number;
}

/** The job lease's name: one search projection per cluster. */
export const SEARCH_LEASE = 'search';

export interface SearchProjectorOptions {
  docs: ProjectedDocs;
  /**
   * Where the projection is written: SQLite's index wrapped (`asyncStore`), or the SQL
   * seam's (`SqlTicketSearchIndex`, PostgreSQL on a cluster).
   */
  index: AsyncStore<TicketSearchIndex>;
  offThread: SearchReader;
  log: Logger;
  /**
   * What wakes the projector: the sync engine, after every turn that stored updates. Without
   * it passes run only when asked (`start`, `wake`, `pass`).
   */
  changes?: StoredChanges | null;
  /**
   * Least time between the starts of two passes while changes keep coming: the debounce of
   * a doc edited many times (one read per pass, however many updates). @default 1000 ms
   */
  intervalMs?: number;
  /**
   * Wait after the first change of a quiet spell, so that the updates of a burst are read
   * together. @default 100 ms
   */
  debounceMs?: number;
  /**
   * After a pass that failed (the store could not be read), the next one this long after,
   * with no write needed. Only then: there is no poll on one process (a cluster's holder
   * looks every `lease.pollMs`: the other processes' writes wake nothing here). Every write
   * of this process reaches the projector —
   * the sync engine's turns (clients', and the server's: snapshot restores) through
   * `changes`, the workspace importer through `wake`, a database restored from a backup
   * through `start` (the server is stopped for it), and a purge deletes the workspace's
   * projection rows itself. @default 30000 ms
   */
  retryMs?: number;
  /**
   * A ticket doc loaded now, if any (the engine's room; null for a large doc held as bytes):
   * its text is read from it instead of decoding the stored doc again, which was 3–10 % of
   * the server's CPU with many ticket docs written (issue 13). Only where the room's doc
   * holds every stored update once the projector hears of it: one process, whose pipeline
   * applies an update in the turn it stores it — never on a cluster, where a room may lag
   * what another process stored. @default none (always the store)
   */
  loadedDoc?: ((docId: string) => LoadedDoc | null) | null;
  /**
   * A cluster: passes only while this process holds the `search` lease, and a pass every
   * `pollMs` then (other processes' writes wake nothing here). @default none (one process:
   * this projector is the only one)
   */
  lease?: ProjectorLease | null;
  /** Documents read per workspace per pass (the rest follows in the next pass). @default 50 */
  docsPerPass?: number;
  /** Workspaces looked at per pass. @default 20 */
  workspacesPerPass?: number;
  /**
   * Ticket rows of an index doc written per transaction (one event-loop turn). A row costs
   * ~0.7 ms on a busy machine (its FTS5 postings), so 500 a turn stalled every socket for up
   * to 1.4 s while a 10,000-ticket index was projected again (after an export or a restore,
   * at load 17); 50 keep a turn near 35 ms. @default 50
   */
  rowsPerTransaction?: number;
  /**
   * Least time between two reads of one index doc (or archive shard). Every ticket edit
   * changes the index, and reading it decodes all of it (megabytes at 10,000 tickets): a
   * busy workspace's index is read at most this often, so its cost does not follow the
   * edit rate. Title and field changes become searchable on the server within this time;
   * the ticket docs changed before the index still follow every pass. @default 10000 ms
   */
  recordsEveryMs?: number;
  /**
   * Least time between two reads of one (small) ticket doc. A read decodes the doc to
   * extract its text, which costs more than relaying the update that changed it: without
   * this, a ticket typed into continuously was read once per pass, and the projector was the
   * largest share of the server's CPU per update with many docs written at once (issue 13).
   * A ticket's text becomes searchable on the server within this time. @default 2000 ms
   */
  ticketEveryMs?: number;
  /**
   * A ticket doc this large (bytes stored) is read at most every `recordsEveryMs` too, like
   * an index doc: reading it decodes all of it. @default 262144 (256 KiB)
   */
  largeDocBytes?: number;
  /**
   * The share of time reading one such doc (an index doc, an archive shard, a large ticket
   * doc) may take: after a read that took C ms, from loading it to its extracted text, the
   * next waits at least C / readDutyCycle after it ends. A read decodes the whole doc, so
   * without this its cost per update grows with the doc (issue 13: a 50 MB doc written at a
   * fixed rate cost ×2.4 CPU per update of a 1 MB one, all of it these reads); with it the
   * projector spends at most this fraction of a core on the doc, whatever its size, and the
   * projection of a huge doc lags by up to C / readDutyCycle (a 1 s read: 50 s). @default 0.02
   */
  readDutyCycle?: number;
  /** The longest wait readDutyCycle imposes (a read slowed by a busy machine). @default 300000 ms */
  maxReadGapMs?: number;
  /**
   * The share of time the passes may take while writes keep coming: a pass that took W ms
   * (its start to its end, turns given to sockets included) is followed by the next no
   * sooner than W / passDutyCycle after it began. Every pass reads each changed doc once, so
   * without this a steady write load to many docs kept the projector reading back to back
   * (issue 13, many docs: 200 ticket docs written 5×/s, 20 % of the server's CPU samples in
   * the projector). A backfill with no writes coming (a restart, an import) runs its passes
   * back to back as before. @default 0.1
   */
  passDutyCycle?: number;
  /** The longest wait passDutyCycle imposes (a pass slowed by a busy machine). @default 30000 ms */
  maxPassGapMs?: number;
  /**
   * Told after each read of an index doc (`<ws>:index` or a later generation), throttled as
   * those reads are: the index rewriter (generations/) checks its tombstones and replays
   * late edits there, so a busy index costs it no more reads than it costs the projector.
   */
  indexRead?: ((docId: string) => void) | null;
  now?: () => number;
  /** Arms the pass timer (tests drive it by hand with `now`). @default an unref'd setTimeout */
  timers?: PassTimers;
}

/** Where the projector arms its one pending pass. */
export interface PassTimers {
  set(run: () => void, ms: number): PassTimer;
  clear(timer: PassTimer): void;
}
export type PassTimer = object;

const realTimers: PassTimers = {
  set(run, ms) {
    const timer = setTimeout(run, ms);
    // A pending pass does not keep the process alive (shutdown stops it anyway).
    timer.unref();
    return timer;
  },
  clear(timer) {
    clearTimeout(timer as NodeJS.Timeout);
  },
};

/** Doc kinds whose root `tickets` map holds ticket records (the index and its archive shards). */
const RECORD_KINDS = new Set(['index', 'archive']);

/**
 * Keeps the search projection current from the write path without being on it (issue 15):
 * the engine says when a turn stored updates, and the projector runs a pass soon after
 * (`debounceMs`), at most one per `intervalMs` however many turns come, and no more than
 * `passDutyCycle` of the time while they keep coming — nothing is read on
 * the write path itself, and the event only marks the projector due. Each pass follows
 * each workspace's change sequence — the one catch-up uses — from its cursor,
 * reads every changed doc's stored state once per pass (an edit burst costs one read), and
 * extracts its text with @desk/model's readers: a ticket doc's body inline (small), an
 * index doc's records on the worker thread when large. Writes are short transactions with
 * a turn between them. The same loop is the backfill: a workspace never projected starts at
 * cursor 0, and a restart resumes at the cursor, so nothing is re-read needlessly.
 */
export class SearchProjector {
  readonly #o: Required<SearchProjectorOptions>;
  #timer: PassTimer | null = null;
  /** When the armed timer fires (now()). */
  #timerAt = 0;
  #running: Promise<boolean> | null = null;
  #stopped = false;
  /** A turn stored updates since the current (or last) pass started. */
  #dirty = false;
  /** When the last pass started (now()). */
  #lastPassAt = Number.NEGATIVE_INFINITY;
  /** How long the last pass took, from its start to its end (passDutyCycle). */
  #lastPassMs = 0;
  /** The earliest time a doc the last pass left for later (recordsEveryMs) is due. */
  #dueAt: number | null = null;
  #unsubscribe: (() => void) | null = null;
  /**
   * When each index doc or ticket doc was last read, and how long that read took
   * (recordsEveryMs, ticketEveryMs, readDutyCycle).
   */
  readonly #reads = new Map<string, { at: number; costMs: number }>();
  /** Ticket docs found at least `largeDocBytes` on their last read. */
  readonly #large = new Set<string>();
  /**
   * Workspaces whose list rows (`ticket_rows`) are still to be filled from their index doc:
   * projected before that table existed. Listed by the first pass after start (null until
   * then), filled one workspace per pass after the changes, so it never delays them.
   */
  #listRowsToFill: string[] | null = null;
  /** A cluster: this process holds the `search` lease now (passes run only then). */
  #holding = false;
  /** A cluster: aborted when the lease held was lost (a pass in flight stops at its next doc). */
  #lost: AbortSignal | null = null;
  /**
   * A cluster: the held lease's fence, passed with every write to the index, which refuses
   * it once a later holder has written (null on one process).
   */
  #fence: LeaseFence | null = null;
  /** A cluster: gives the lease up (stop). */
  #release: (() => void) | null = null;
  /** A cluster: the lease asked for, held, or being given up. */
  #leaseRun: Promise<void> | null = null;
  #contendTimer: PassTimer | null = null;

  constructor(options: SearchProjectorOptions) {
    this.#o = {
      changes: null,
      intervalMs: 1000,
      debounceMs: 100,
      retryMs: 30_000,
      docsPerPass: 50,
      workspacesPerPass: 20,
      rowsPerTransaction: 50,
      recordsEveryMs: 10_000,
      ticketEveryMs: 2000,
      largeDocBytes: 256 * 1024,
      readDutyCycle: 0.02,
      maxReadGapMs: 300_000,
      passDutyCycle: 0.1,
      maxPassGapMs: 30_000,
      indexRead: null,
      loadedDoc: null,
      lease: null,
      now: Date.now,
      timers: realTimers,
      ...options,
    };
  }

  /**
   * Subscribes to stored changes and runs a first pass at once (resuming at the cursors).
   *
   * On a cluster (`lease`), first asks for the `search` lease, and does that only while it
   * holds it: the cursors are shared, so two processes passing at once would read and write
   * the same changes twice, and each keeps its own read throttles (a busy index doc read
   * every `recordsEveryMs` by each). The lease is held for the life of the process rather
   * than per pass, so the throttles stay with the one process that reads; the others ask
   * again every `contendMs`, and take over when the holder stops (it gives the lease up) or
   * dies (its lease expires, RedisLeases' TTL). The holder hears only of its own process's
   * stored turns (`changes`): it finds the others' writes by a pass every `pollMs` — one
   * `behind` query on the shared database when nothing changed — rather than from the
   * fan-out, which relays updates only of the documents this process has loaded.
   */
  start(): void {
    if (this.#o.lease) this.#contend();
    else this.#begin();
  }

  #begin(): void {
    this.#unsubscribe ??= this.#o.changes?.onStored(this.wake) ?? null;
    this.#schedule(0);
  }

  /** Stops after the running pass (shutdown: before the database closes), giving the lease up. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#contendTimer) this.#o.timers.clear(this.#contendTimer);
    this.#contendTimer = null;
    this.#release?.();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) this.#o.timers.clear(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
    await this.#leaseRun;
  }

  /** Whether this process projects now (a cluster: while it holds the lease). */
  get holding(): boolean {
    return this.#o.lease ? this.#holding : !this.#stopped;
  }

  /** Asks for the lease; holds it until stopped or lost, then asks again `contendMs` later. */
  #contend(): void {
    const lease = this.#o.lease;
    if (!lease || this.#stopped || this.#leaseRun) return;
    this.#leaseRun = lease.jobLease
      .runOnce(SEARCH_LEASE, (lost, fence) => this.#hold(lost, fence))
      .then(
        () => undefined,
        (err: unknown) => {
          this.#o.log.error({ err }, 'search projection lease could not be asked for');
        },
      )
      .finally(() => {
        this.#leaseRun = null;
        if (this.#stopped) return;
        this.#contendTimer = this.#o.timers.set(() => {
          this.#contendTimer = null;
          this.#contend();
        }, lease.contendMs ?? 5000);
      });
  }

  /** The projector's work while this process holds the lease: until `stop`, or until lost. */
  async #hold(lost: AbortSignal, fence: number | null): Promise<void> {
    if (this.#stopped || lost.aborted) return;
    this.#lost = lost;
    this.#fence = leaseFence(SEARCH_LEASE, fence);
    this.#holding = true;
    this.#o.log.info('search projection lease taken: this process projects');
    try {
      this.#begin();
      await new Promise<void>((resolve) => {
        this.#release = resolve;
        lost.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      this.#holding = false;
      this.#release = null;
      this.#unsubscribe?.();
      this.#unsubscribe = null;
      if (this.#timer) this.#o.timers.clear(this.#timer);
      this.#timer = null;
      // A pass in flight stops at its next document (#halted); the lease is given up after.
      // Lost (Redis unreachable for its TTL, or this process paused past it), the write of
      // the document in hand is refused by the index once the next holder has written
      // (its fence is newer): it cannot land a ticket's older text after the new holder's.
      await this.#running?.catch(() => undefined);
      this.#fence = null;
      if (lost.aborted) this.#o.log.warn('search projection lease lost: another process projects');
    }
  }

  /** Stopped, or (a cluster) not holding the lease: no pass starts or goes on. */
  get #halted(): boolean {
    return this.#stopped || (this.#o.lease !== null && (!this.#holding || !!this.#lost?.aborted));
  }

  /** Passes until nothing is behind (tests; the timer does this in production). */
  async catchUp(): Promise<void> {
    while (await this.pass()) {
      // more to do
    }
  }

  /** One pass over the workspaces that are behind; true when work remains. */
  pass(): Promise<boolean> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * Documents were stored: a pass follows soon (debounced). The engine calls it after each
   * turn that stored updates, on the write path, so it only marks the projector due; a
   * writer that bypasses the engine (the workspace importer) may call it when done.
   */
  readonly wake = (): void => {
    this.#dirty = true;
    // A running pass schedules the next one when it ends; a cluster's holder is woken at once
    // when it takes the lease.
    if (this.#halted || this.#running) return;
    const at = this.#nextChangedPassAt();
    if (this.#timer && this.#timerAt <= at) return;
    this.#schedule(at - this.#o.now());
  };

  #nextChangedPassAt(): number {
    const now = this.#o.now();
    const gap = Math.max(this.#o.intervalMs, this.#passGapMs());
    return Math.max(now + this.#o.debounceMs, this.#lastPassAt + gap);
  }

  /** The least time from the last pass's start to the next one's while writes keep coming. */
  #passGapMs(): number {
    const { passDutyCycle, maxPassGapMs } = this.#o;
    return Math.min(maxPassGapMs, this.#lastPassMs / passDutyCycle);
  }

  #schedule(ms: number): void {
    if (this.#halted) return;
    if (this.#timer) this.#o.timers.clear(this.#timer);
    const wait = Math.max(0, ms);
    this.#timerAt = this.#o.now() + wait;
    this.#timer = this.#o.timers.set(() => {
      this.#timer = null;
      this.pass().then(
        (more) => this.#afterPass(more),
        (err: unknown) => {
          this.#o.log.error({ err }, 'search projection pass failed');
          this.#afterPass(false, true);
        },
      );
    }, wait);
  }

  /**
   * The next pass: at once while behind (spaced by passDutyCycle if writes came during this
   * one), soon after changes, when a deferred doc is due, a while after a failure; otherwise
   * none until a stored turn (or `wake`) asks.
   */
  #afterPass(more: boolean, failed = false): void {
    const now = this.#o.now();
    if (more) {
      // Behind with writes still coming (a steady load on many docs keeps the change list
      // longer than a pass): every pass reads each doc once, so spacing the passes bounds
      // the projector's share however fast the writes come. A backfill alone runs flat out.
      this.#schedule(this.#dirty ? this.#lastPassAt + this.#passGapMs() - now : 0);
      return;
    }
    let at = failed ? now + this.#o.retryMs : Number.POSITIVE_INFINITY;
    // A cluster's holder: the other processes' writes are found by looking (see `start`).
    if (this.#o.lease && !failed) at = Math.min(at, now + (this.#o.lease.pollMs ?? 2000));
    if (this.#dirty) at = Math.min(at, this.#nextChangedPassAt());
    if (this.#dueAt !== null) at = Math.min(at, this.#dueAt);
    if (at !== Number.POSITIVE_INFINITY) this.#schedule(at - now);
  }

  async #pass(): Promise<boolean> {
    const { index, docs } = this.#o;
    if (this.#halted) return false;
    this.#dirty = false;
    this.#dueAt = null;
    this.#lastPassAt = this.#o.now();
    try {
      return await this.#passOver(index, docs);
    } catch (err) {
      if (!(err instanceof StaleFenceError)) throw err;
      // Another process took the lease over and has written since (this one was paused past
      // its TTL): its work stands. Nothing more is written; the lease is given up (`#hold`
      // ends) and asked for again like any other process's.
      this.#o.log.warn(
        { leaseName: err.leaseName, fence: err.fence, highest: err.highest },
        'search projection fenced out: another process projects',
      );
      this.#release?.();
      return false;
    } finally {
      this.#lastPassMs = Math.max(0, this.#o.now() - this.#lastPassAt);
    }
  }

  async #passOver(index: AsyncStore<TicketSearchIndex>, docs: ProjectedDocs): Promise<boolean> {
    const { behind, reset } = await index.behind(this.#o.workspacesPerPass);
    // Deleted, or restored to an earlier sequence: what the projection holds is not the
    // workspace any more; forget it and (if it still exists) project it again from 0.
    for (const workspaceId of reset) await index.deleteWorkspace(workspaceId, this.#fence);
    let more = behind.length === this.#o.workspacesPerPass || reset.length > 0;
    for (const { workspaceId, cursor } of behind) {
      if (this.#halted) return false;
      // The pass's docs and one more (is there more?), not every doc changed since the
      // cursor: a backfill of 100,000 docs read them all per pass, 1–3 s on the event loop
      // each time (issue 15, the 100,000-ticket bench).
      const changed = await docs.changedSince(workspaceId, cursor, this.#o.docsPerPass + 1);
      let waiting = false;
      for (const row of changed.slice(0, this.#o.docsPerPass)) {
        if (this.#halted) return false;
        // A doc read recently waits, and so does the cursor (what changed after it is read
        // on a later pass): changes come in order. The workspace is then not "behind" for
        // the next pass, which comes when the doc is due (#dueAt) or after more writes —
        // not at once: passes that found only a waiting doc ran ~100 times a second,
        // 6 % of the server's CPU with many ticket docs written (issue 13).
        if (this.#notDue(row.docId)) {
          waiting = true;
          break;
        }
        await this.#project(workspaceId, row);
        // A small doc is read and decoded without leaving the event loop's turn: yield
        // after each, so sockets are served between them (a backfill reads thousands).
        await nextTurn();
      }
      if (changed.length > this.#o.docsPerPass && !waiting) more = true;
    }
    if (await this.#fillListRows()) more = true;
    return more;
  }

  /**
   * Fills the list rows of one workspace projected before `ticket_rows` existed, by reading
   * its index doc as a change would (off the event loop when large, rows in short
   * transactions, the index read throttled like any other) without moving its cursor. True
   * when another workspace is due at once.
   */
  async #fillListRows(): Promise<boolean> {
    this.#listRowsToFill ??= await this.#o.index.withoutListRows();
    const workspaceId = this.#listRowsToFill[0];
    if (workspaceId === undefined || this.#halted) return false;
    // The generation in use: after a rewrite generation 1 holds no rows of the workspace
    // (it is older than the head's newest), and once dropped it is gone.
    const docId = await currentIndexDocId(this.#o.docs, workspaceId);
    // Read recently (e.g. by this pass): wait until it is due (#dueAt arms the next pass).
    if (this.#notDue(docId)) return false;
    this.#listRowsToFill.shift();
    const startedAt = this.#o.now();
    try {
      const parts = await this.#o.docs.storedParts(docId);
      if (parts.length > 0) {
        const rows = await this.#o.offThread.run('ticketFields', [parts], bytesOf(parts));
        this.#readDone(docId, startedAt);
        await this.#putRows(workspaceId, rows, null);
      }
    } catch (err) {
      if (err instanceof StaleFenceError) throw err;
      this.#readDone(docId, startedAt);
      this.#o.log.error({ err, docId }, 'list rows of a workspace could not be filled; skipped');
    }
    return this.#listRowsToFill.length > 0;
  }

  /** Writes rows in transactions of `rowsPerTransaction`, a turn between; the last moves the cursor to `seq`. */
  async #putRows(
    workspaceId: string,
    rows: readonly TicketSearchFields[],
    seq: number | null,
  ): Promise<void> {
    const step = this.#o.rowsPerTransaction;
    for (let at = 0; at < rows.length; at += step) {
      const last = at + step >= rows.length;
      await this.#o.index.putFields(
        workspaceId,
        rows.slice(at, at + step),
        last ? seq : null,
        this.#fence,
      );
      if (!last) await nextTurn();
    }
  }

  #notDue(docId: string): boolean {
    const kind = parseDocId(docId)?.kind ?? '';
    const wholeRead = RECORD_KINDS.has(kind) || this.#large.has(docId);
    if (!wholeRead && kind !== 'ticket') return false;
    const last = this.#reads.get(docId);
    if (last === undefined) return false;
    const due = wholeRead ? this.#nextReadAt(last) : last.at + this.#o.ticketEveryMs;
    if (this.#o.now() < due) {
      this.#dueAt = this.#dueAt === null ? due : Math.min(this.#dueAt, due);
      return true;
    }
    return false;
  }

  /** The earliest time a doc read at `at` in `costMs` may be read again. */
  #nextReadAt({ at, costMs }: { at: number; costMs: number }): number {
    const { recordsEveryMs, readDutyCycle, maxReadGapMs } = this.#o;
    return at + Math.max(recordsEveryMs, Math.min(maxReadGapMs, costMs / readDutyCycle));
  }

  /** Remembers a throttled doc's read that started at `startedAt` and ends now. */
  #readDone(docId: string, startedAt: number): void {
    const now = this.#o.now();
    this.#reads.set(docId, { at: now, costMs: Math.max(0, now - startedAt) });
    if (this.#reads.size > 10_000) {
      for (const [id, read] of this.#reads) {
        if (now >= this.#nextReadAt(read)) this.#reads.delete(id);
      }
    }
  }

  /** Remembers whether a ticket doc is large (read as rarely as an index doc). */
  #sized(docId: string, storedBytes: number): void {
    if (storedBytes >= this.#o.largeDocBytes) this.#large.add(docId);
    else this.#large.delete(docId);
  }

  async #project(workspaceId: string, { docId, seq }: ChangedDocRow): Promise<void> {
    const { index, docs, offThread, log } = this.#o;
    const parsed = parseDocId(docId);
    const kind = parsed?.kind ?? '';
    if (kind !== 'ticket' && !RECORD_KINDS.has(kind)) {
      await index.advance(workspaceId, seq, this.#fence);
      return;
    }
    const startedAt = this.#o.now();
    try {
      const loaded = kind === 'ticket' ? (this.#o.loadedDoc?.(docId) ?? null) : null;
      if (loaded) {
        this.#sized(docId, loaded.storedBytes);
        const body = ticketSearchText(loaded.doc);
        this.#readDone(docId, startedAt);
        await index.putBody(workspaceId, parsed!.id!, body, seq, this.#fence);
        return;
      }
      if (kind === 'index' && (await isOlderIndexGeneration(docs, docId))) {
        // Replaced or dropped (IDX-GEN-6): none of its rows, not even once. The rewriter is
        // told, so a dropped one written back is deleted again.
        this.#readDone(docId, startedAt);
        await index.advance(workspaceId, seq, this.#fence);
        this.#o.indexRead?.(docId);
        return;
      }
      // Never written, or deleted since (a purge): nothing to project.
      const parts = await docs.storedParts(docId);
      if (parts.length === 0) {
        await index.advance(workspaceId, seq, this.#fence);
        return;
      }
      const storedBytes = bytesOf(parts);
      if (kind === 'ticket') {
        this.#sized(docId, storedBytes);
        const body = await offThread.run('ticketBody', [parts], storedBytes);
        this.#readDone(docId, startedAt);
        await index.putBody(workspaceId, parsed!.id!, body, seq, this.#fence);
        return;
      }
      const rows = await offThread.run('ticketFields', [parts], storedBytes);
      this.#readDone(docId, startedAt);
      await this.#putRows(workspaceId, rows, seq);
      if (rows.length === 0) await index.advance(workspaceId, seq, this.#fence);
      if (kind === 'index') this.#o.indexRead?.(docId);
    } catch (err) {
      // Refused by the index: this process is no longer the holder (#pass stops).
      if (err instanceof StaleFenceError) throw err;
      // A doc that cannot be read stays unsearchable rather than stopping its workspace.
      if (kind === 'ticket' || RECORD_KINDS.has(kind)) this.#readDone(docId, startedAt);
      log.error({ err, docId }, 'search projection could not read a document; skipped');
      await index.advance(workspaceId, seq, this.#fence);
    }
  }
}

/** What a doc weighs in the store: its merged state plus its log (`StoredDoc.storedBytes`). */
function bytesOf(parts: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.byteLength;
  return bytes;
}
