import { indexDocId, indexGenerationOf, indexHeadDocId, setHeadGeneration } from '@desk/model';
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
}

export interface IndexRewriterOptions {
  docs: IndexDocs;
  offThread: GenerationWorker;
  log: Logger;
  /**
   * An index generation at least this large (bytes of its state) is rewritten when that
   * reclaims `minReclaimShare` of it; 0 turns rewriting off (late edits to an older
   * generation are still replayed). @default 0 — see SPEC IDX-GEN: off until every reader
   * of the index follows generations.
   */
  minBytes: number;
  /** Share of the bytes a rewrite must reclaim to be worth a new document. @default 0.25 */
  minReclaimShare?: number;
}

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
    };

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

  constructor(options: IndexRewriterOptions) {
    this.#o = { minReclaimShare: 0.25, ...options };
  }

  /** Considers one index doc; resolves with what was done. Other doc ids: nothing. */
  consider(docId: string): Promise<IndexRewriteOutcome> {
    const parsed = indexGenerationOf(docId);
    if (!parsed) return Promise.resolve({ kind: 'none' });
    const before = this.#running.get(parsed.workspaceId) ?? Promise.resolve({ kind: 'none' });
    const run = before.catch(() => undefined).then(() => this.#consider(parsed.workspaceId, docId));
    this.#running.set(parsed.workspaceId, run);
    void run.finally(() => {
      if (this.#running.get(parsed.workspaceId) === run) this.#running.delete(parsed.workspaceId);
    });
    return run;
  }

  async #consider(workspaceId: string, docId: string): Promise<IndexRewriteOutcome> {
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
    const rewrite = await offThread.run('rewriteIndex', [state, generation], state.length);
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
