import * as Y from 'yjs';
import { copyValue } from './copyValue.ts';
import { GenerationMeta, generationOf, isGenerationMetaKey } from './indexGenerations.ts';

/** What rewriting generation g of an index produced. */
export interface IndexRewrite {
  /** The new generation's number (g + 1). */
  readonly generation: number;
  /** The whole of generation g+1, as one update: the live content of g with fresh structs. */
  readonly nextState: Uint8Array;
  /**
   * The change to g that points it at g+1: `meta.next` and `meta.replayedUpTo` (the
   * snapshot of g the content was read at). Apply it after g+1 is stored, so no device
   * follows the pointer to a document that is not there yet.
   */
  readonly markReplaced: Uint8Array;
}

/**
 * Writes generation g+1 of an index from `source` (generation g, the writer's own copy: it
 * is changed by this call). `generation` may be later than g+1 when the writer skips one a
 * stopped run left behind. Every root map is copied entry by entry into a new document
 * (fresh structs, no tombstones: a removed row or an overwritten field leaves nothing
 * behind), `meta` without the generation keys, plus `meta.generation`. Deterministic in
 * content, not in structs: only one writer (the server) may run it for a given g.
 */
export function rewriteIndex(
  source: Y.Doc,
  generation = generationOf(source) + 1,
  /** When (ms since the epoch) g is replaced: `meta.replacedAt`, from which g may be dropped. */
  replacedAt?: number,
): IndexRewrite {
  const next = new Y.Doc();
  // Read at this state: whatever reaches g after it is carried over by `replayLateEdits`.
  const readAt = Y.encodeSnapshot(Y.snapshot(source));
  next.transact(() => {
    for (const name of [...source.share.keys()]) {
      const from = source.getMap<unknown>(name);
      const into = next.getMap<unknown>(name);
      from.forEach((value, key) => {
        if (name === 'meta' && isGenerationMetaKey(key)) return;
        const copy = copyValue(value);
        if (copy !== undefined) into.set(key, copy);
      });
    }
    next.getMap<unknown>('meta').set(GenerationMeta.generation, generation);
  });
  const before = Y.encodeStateVector(source);
  source.transact(() => {
    const meta = source.getMap<unknown>('meta');
    meta.set(GenerationMeta.next, generation);
    meta.set(GenerationMeta.replayedUpTo, readAt);
    if (replacedAt !== undefined) meta.set(GenerationMeta.replacedAt, replacedAt);
  });
  return {
    generation,
    nextState: Y.encodeStateAsUpdate(next),
    markReplaced: Y.encodeStateAsUpdate(source, before),
  };
}
