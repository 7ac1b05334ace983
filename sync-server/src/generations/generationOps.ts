import * as Y from 'yjs';
import { nextGenerationOf, replacedAtOf, replayLateEdits, rewriteIndex } from '@desk/model';

/**
 * The index rewriter's document work (issue 15 #4), as pure functions of bytes registered
 * in HeavyYjs's registry: a large index is decoded on the worker thread (a rewrite of a
 * 30,000-ticket desk's index takes 1.5 s), a small one inline.
 */
export const generationOps = {
  /** The generation that replaced this index doc, or null while it is the newest. */
  indexNextGeneration(state: Uint8Array): number | null {
    const doc = docOf(state);
    try {
      return nextGenerationOf(doc);
    } finally {
      doc.destroy();
    }
  },

  /**
   * What a replaced generation says about itself: the one that replaced it, and when (null
   * while it is the newest; `replacedAt` null when the rewrite did not record it).
   */
  indexReplacement(state: Uint8Array): { next: number; replacedAt: number | null } | null {
    const doc = docOf(state);
    try {
      const next = nextGenerationOf(doc);
      return next === null ? null : { next, replacedAt: replacedAtOf(doc) };
    } finally {
      doc.destroy();
    }
  },

  /** See `rewriteIndex`: generation `generation` from `state`, and the change that points g at it. */
  rewriteIndex(
    state: Uint8Array,
    generation: number,
    replacedAt: number,
  ): { nextState: Uint8Array; markReplaced: Uint8Array } {
    const doc = docOf(state);
    try {
      const { nextState, markReplaced } = rewriteIndex(doc, generation, replacedAt);
      return { nextState, markReplaced };
    } finally {
      doc.destroy();
    }
  },

  /** See `replayLateEdits`: what reached g since its cursor, as changes to g+1 and to g. */
  replayLateEdits(
    state: Uint8Array,
    nextState: Uint8Array,
  ): { entries: number; intoUpdate: Uint8Array; fromUpdate: Uint8Array } | null {
    const from = docOf(state);
    const into = docOf(nextState);
    try {
      return replayLateEdits(from, into);
    } finally {
      from.destroy();
      into.destroy();
    }
  },
};

function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

type GenerationOps = typeof generationOps;

declare module '../offthread/HeavyOpTable.ts' {
  // Adds the rewriter's operations to the registry's names (see HeavyOpTable).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends GenerationOps {}
}
