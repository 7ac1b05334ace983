import {
  generationOf,
  indexDocId,
  indexGenerationOf,
  indexHeadDocId,
  keptFromOf,
  setHeadGeneration,
  setHeadKeptFrom,
} from '@desk/model';
import { DocErrorCode } from '@desk/protocol';
import * as Y from 'yjs';
import type { Logger } from '../log/logger.ts';
import type { generationOps } from './generationOps.ts';

type Ops = typeof generationOps;

/**
 * Running the document work (generationOps) where its size says: the server passes
 * HeavyYjs (worker thread for large docs, inline for small ones).
 */
export interface GenerationWorker {
  run<K extends keyof Ops>(
    kind: K,
    args: Parameters<Ops[K]>,
    bytes: number,
  ): Promise<ReturnType<Ops[K]>>;
}

/**
 * What the rewriter needs from the sync engine: a document's current state, and writing to
 * one as the server through the path a client's update takes (stored, then broadcast), so
 * connected devices receive a rewrite's pointer and a replay's changes like any edit.
 */
export interface IndexDocs {
  readDocState(docId: string): Promise<Uint8Array>;
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
  /**
   * Deletes documents for good (the engine's `deleteDocsDrained`: subscriptions end with
   * `reason`, rooms drop, the store forgets them — and with it the search projection, usage,
   * exports), on the embedded store or a cluster's shared one.
   */
  deleteDocsDrained(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): Promise<number>;
}

export interface IndexRewriterOptions {
  docs: IndexDocs;
  offThread: GenerationWorker;
  log: Logger;
  /**
   * An index generation at least this large (bytes of its state) is rewritten when that
   * reclaims `minReclaimShare` of it; 0 turns rewriting off (late edits to an older
   * generation are still replayed). The server passes `INDEX_REWRITE_MIN_BYTES` (1 MiB).
   */
  minBytes: number;
  /** Share of the bytes a rewrite must reclaim to be worth a new document. @default 0.25 */
  minReclaimShare?: number;
  /** The server's clock (ms): a rewrite records when g was replaced, and drops count from it. */
  now?: () => number;
  /**
   * The offline-replica limit (ms): a replaced generation whose late edits are all replayed
   * is dropped this long after its switch — no replica older than that is expected back
   * (`OFFLINE_REPLICA_LIMIT_DAYS`). @default 90 days
   */
  keepReplacedMs?: number;
  /** How often one workspace's replaced generations are looked at for dropping. @default 1 h */
  dropCheckEveryMs?: number;
}

/** Why a device's subscription of a dropped generation ends. */
const DROPPED = {
  code: DocErrorCode.accessRevoked,
  message: 'This copy of the ticket list was replaced by a newer one; open the newest.',
} as const;

export type IndexRewriteOutcome =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'rewritten';
      readonly from: string;
      readonly to: string;
      readonly bytesBefore: number;
      readonly bytesAfter: number;
    }
  | {
      readonly kind: 'replayed';
      readonly from: string;
      readonly to: string;
      readonly entries: number;
    }
  | { readonly kind: 'dropped'; readonly docIds: readonly string[] };

/**
 * Reclaims the index's tombstones by writing a new generation of it, and carries late edits
 * of an older generation into the newer one (issue 15 #4; SPEC IDX-GEN; the model's
 * `rewriteIndex` and `replayLateEdits` do the document work). The server is the one writer,
 * so no two devices race to build a generation; within the server one workspace's index is
 * considered at a time.
 *
 * Called with an index doc that changed (by the search projector, which reads every changed
 * index doc anyway, at most every `recordsEveryMs`). A generation that points at a newer one
 * has its late edits replayed there; the newest is rewritten when large enough and when the
 * rewrite reclaims enough.
 */
export class IndexRewriter {
  readonly #o: Required<IndexRewriterOptions>;
  readonly #running = new Map<string, Promise<IndexRewriteOutcome>>();
  /**
   * The size at which an index's rewrite last reclaimed too little: it is not tried again
   * until the index grew by a tenth (a rewrite of a large index costs seconds of the
   * worker's time, and the projector reads a busy index every few tens of seconds).
   */
  readonly #notWorthAt = new Map<string, number>();

  /** When each workspace's replaced generations were last looked at for dropping. */
  readonly #dropCheckedAt = new Map<string, number>();
  /** When a generation was replaced, once read: it is not read again until it is due. */
  readonly #replacedAt = new Map<string, number>();

  constructor(options: IndexRewriterOptions) {
    this.#o = {
      minReclaimShare: 0.25,
      now: Date.now,
      keepReplacedMs: 90 * 24 * 3_600_000,
      dropCheckEveryMs: 3_600_000,
      ...options,
    };
  }

  /** Considers one index doc; resolves with what was done. Other doc ids: nothing. */
  consider(docId: string): Promise<IndexRewriteOutcome> {
    const parsed = indexGenerationOf(docId);
    if (!parsed) return Promise.resolve({ kind: 'none' });
    const before = this.#running.get(parsed.workspaceId) ?? Promise.resolve({ kind: 'none' });
    const run = before.catch(() => undefined).then(() => this.#consider(parsed.workspaceId, docId));
    this.#running.set(parsed.workspaceId, run);
    const forget = () => {
      if (this.#running.get(parsed.workspaceId) === run) this.#running.delete(parsed.workspaceId);
    };
    // Not `finally`: its promise would reject with `run` and nobody awaits it (the caller
    // handles `run` itself; a worker ended by shutdown rejects it).
    run.then(forget, forget);
    return run;
  }

  async #consider(workspaceId: string, docId: string): Promise<IndexRewriteOutcome> {
    const { docs } = this.#o;
    const head = docOf(await docs.readDocState(indexHeadDocId(workspaceId)));
    const keptFrom = keptFromOf(head);
    const newest = generationOf(head);
    head.destroy();
    if (indexGenerationOf(docId)!.generation < keptFrom) {
      // A dropped generation written again: by a replica older than the offline-replica
      // limit. Not taken (its cursor and rows are that old); its device opens the head's.
      await docs.deleteDocsDrained([docId], DROPPED);
      this.#o.log.warn({ docId }, 'a dropped index generation was written again; dropped');
      return { kind: 'dropped', docIds: [docId] };
    }
    const outcome = await this.#step(workspaceId, docId);
    if (outcome.kind !== 'none') return outcome;
    // Only a workspace whose head names a generation past the oldest kept has one to drop
    // (most have a single generation: nothing is read for this).
    if (newest <= keptFrom) return outcome;
    const dropped = await this.#dropReplaced(workspaceId, keptFrom, newest);
    return dropped.length > 0 ? { kind: 'dropped', docIds: dropped } : outcome;
  }

  /**
   * Drops replaced generations, oldest first, once the offline-replica limit passed since
   * their switch and their late edits are all in the next one: the head says so first
   * (`keptFrom`), then they are deleted — a crash in between leaves one the head already
   * disowns, which its next write deletes (above). At most every `dropCheckEveryMs` per
   * workspace: it reads the generations.
   */
  async #dropReplaced(workspaceId: string, keptFrom: number, newest: number): Promise<string[]> {
    const { docs, offThread, now } = this.#o;
    const at = now();
    const checkedAt = this.#dropCheckedAt.get(workspaceId);
    if (checkedAt !== undefined && at - checkedAt < this.#o.dropCheckEveryMs) return [];
    if (this.#dropCheckedAt.size > 10_000) this.#dropCheckedAt.clear();
    this.#dropCheckedAt.set(workspaceId, at);
    const dropped: string[] = [];
    for (let generation = keptFrom; generation < newest; generation += 1) {
      const docId = indexDocId(workspaceId, generation);
      const known = this.#replacedAt.get(docId);
      if (known !== undefined && at - known < this.#o.keepReplacedMs) break; // not read again
      const state = await docs.readDocState(docId);
      const replaced = await offThread.run('indexReplacement', [state], state.length);
      if (!replaced || replaced.replacedAt === null) break; // the newest, or no time recorded
      this.#remember(docId, replaced.replacedAt);
      if (at - replaced.replacedAt < this.#o.keepReplacedMs) break;
      const nextState = await docs.readDocState(indexDocId(workspaceId, replaced.next));
      const late = await offThread.run(
        'replayLateEdits',
        [state, nextState],
        state.length + nextState.length,
      );
      if (late) break; // replayed first (by the step of its own late write), dropped later
      const headId = indexHeadDocId(workspaceId);
      const head = docOf(await docs.readDocState(headId));
      await docs.applyServerUpdate(headId, setHeadKeptFrom(head, replaced.next));
      head.destroy();
      await docs.deleteDocsDrained([docId], DROPPED);
      this.#replacedAt.delete(docId);
      dropped.push(docId);
      generation = replaced.next - 1; // past one a stopped run left behind (never pointed at)
    }
    if (dropped.length > 0) this.#o.log.info({ dropped }, 'replaced index generations dropped');
    return dropped;
  }

  #remember(docId: string, replacedAt: number): void {
    if (this.#replacedAt.size > 10_000) this.#replacedAt.clear();
    this.#replacedAt.set(docId, replacedAt);
  }

  async #step(workspaceId: string, docId: string): Promise<IndexRewriteOutcome> {
    const { docs, offThread } = this.#o;
    const state = await docs.readDocState(docId);
    const next = await offThread.run('indexNextGeneration', [state], state.length);
    if (next !== null) {
      const to = indexDocId(workspaceId, next);
      const nextState = await docs.readDocState(to);
      const replay = await offThread.run(
        'replayLateEdits',
        [state, nextState],
        state.length + nextState.length,
      );
      if (!replay) return { kind: 'none' };
      // g+1 first, then g's cursor: a crash between replays the same entries again, with
      // the same values (at worst undoing an edit made to g+1 in those milliseconds).
      await docs.applyServerUpdate(to, replay.intoUpdate);
      await docs.applyServerUpdate(docId, replay.fromUpdate);
      this.#o.log.info({ from: docId, to, entries: replay.entries }, 'late index edits replayed');
      return { kind: 'replayed', from: docId, to, entries: replay.entries };
    }
    if (this.#o.minBytes <= 0 || state.length < this.#o.minBytes) return { kind: 'none' };
    const triedAt = this.#notWorthAt.get(docId);
    if (triedAt !== undefined && state.length < triedAt * 1.1) return { kind: 'none' };
    // A generation written by a run that stopped before pointing g at it is skipped, not
    // merged into (two copies of every row would be tombstones again).
    let generation = indexGenerationOf(docId)!.generation + 1;
    while (!isEmpty(await docs.readDocState(indexDocId(workspaceId, generation)))) generation += 1;
    const replacedAt = this.#o.now();
    const rewrite = await offThread.run(
      'rewriteIndex',
      [state, generation, replacedAt],
      state.length,
    );
    if (rewrite.nextState.length > state.length * (1 - this.#o.minReclaimShare)) {
      if (this.#notWorthAt.size > 10_000) this.#notWorthAt.clear();
      this.#notWorthAt.set(docId, state.length);
      return { kind: 'none' };
    }
    this.#notWorthAt.delete(docId);
    const to = indexDocId(workspaceId, generation);
    // The new generation is stored before anything points at it.
    await docs.applyServerUpdate(to, rewrite.nextState);
    await docs.applyServerUpdate(docId, rewrite.markReplaced);
    this.#remember(docId, replacedAt);
    // Last, the head: fresh devices open the new generation directly from now on. A run
    // stopped before this leaves them opening g and following its pointer.
    const head = indexHeadDocId(workspaceId);
    await docs.applyServerUpdate(
      head,
      setHeadGeneration(docOf(await docs.readDocState(head)), generation),
    );
    const outcome = {
      kind: 'rewritten',
      from: docId,
      to,
      bytesBefore: state.length,
      bytesAfter: rewrite.nextState.length,
    } as const;
    this.#o.log.info(outcome, 'index rewritten into a new generation');
    return outcome;
  }
}

function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

function isEmpty(state: Uint8Array): boolean {
  return docOf(state).store.clients.size === 0;
}
