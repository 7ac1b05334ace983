import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Updates merged by one `Y.mergeUpdates` call when many are merged (see `mergeMany`). */
const MERGE_FAN_IN = 8;

/**
 * The updates merged into one. `Y.mergeUpdates` filters and sorts all its inputs at every
 * step, so its cost grows with (inputs × their structs): a 24 MiB index with the 5,000–24,000
 * small updates logged since its last compaction took 50 s to merge for a new device's
 * first sync (vs 2 s cold). Here the log is merged in a tree of groups of `MERGE_FAN_IN`
 * (each struct sorted among a few inputs per level), and the first part — the merged state,
 * by far the largest — joins once, at the end. Same result: merging is associative.
 */
function mergeMany(parts: Uint8Array[]): Uint8Array {
  if (parts.length <= 2) return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
  let level = parts.slice(1);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += MERGE_FAN_IN) {
      const group = level.slice(i, i + MERGE_FAN_IN);
      next.push(group.length === 1 ? group[0]! : Y.mergeUpdates(group));
    }
    level = next;
  }
  return Y.mergeUpdates([parts[0]!, level[0]!]);
}

/** Whole-document Yjs work any module may need off the event loop (see HeavyYjs). */
export const docOps = {
  /** The updates merged into one (null for none), without building a document. */
  merge(parts: Uint8Array[]): Uint8Array | null {
    if (parts.length === 0) return null;
    return mergeMany(parts);
  },

  /**
   * A large document's load (DocRooms): its stored parts (merged state, then log) merged
   * into one update, without building a Y.Doc, and the state vector of the result.
   */
  loadLarge(parts: Uint8Array[]): { update: Uint8Array; stateVector: Uint8Array } {
    const update = parts.length === 0 ? emptyUpdate() : docOps.merge(parts)!;
    return { update, stateVector: Y.encodeStateVectorFromUpdate(update) };
  },

  /**
   * A large document's answer to a sync step 1: the y-protocols sync step 2 message holding
   * what `parts` have beyond `stateVector`, built from the bytes (no Y.Doc).
   */
  syncStep2(parts: Uint8Array[], stateVector: Uint8Array): Uint8Array {
    const merged = parts.length === 0 ? emptyUpdate() : docOps.merge(parts)!;
    // A new device holds nothing: its answer is the whole merged state as it is. Diffing
    // against an empty state vector re-encodes every struct (0.25–0.8 s for a 10,000-ticket
    // desk's 2.6 MB index under load) on the way to a new device's first rows (issue 15).
    const diff = holdsNothing(stateVector) ? merged : Y.diffUpdate(merged, stateVector);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0); // y-protocols: sync
    encoding.writeVarUint(encoder, 1); // sync step 2
    encoding.writeVarUint8Array(encoder, diff);
    return encoding.toUint8Array(encoder);
  },

  /**
   * The state a document built from `parts` encodes to: what compaction stores. Built
   * through a Y.Doc (not Y.mergeUpdates) so deleted content is garbage-collected, exactly
   * as when the sync engine encodes a loaded room.
   */
  compactState(parts: Uint8Array[]): Uint8Array {
    const doc = new Y.Doc();
    try {
      doc.transact(() => {
        // The log merged first: one decode instead of thousands of small ones.
        if (parts.length > 0) Y.applyUpdate(doc, parts[0]!);
        if (parts.length > 1)
          Y.applyUpdate(doc, mergeMany([new Uint8Array([0, 0]), ...parts.slice(1)]));
      });
      return Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
  },
};

/** Whether a state vector is empty (its owner has no struct of the doc). */
function holdsNothing(stateVector: Uint8Array): boolean {
  return Y.decodeStateVector(stateVector).size === 0;
}

/** The encoding of a document with nothing in it. */
function emptyUpdate(): Uint8Array {
  return new Uint8Array([0, 0]);
}
