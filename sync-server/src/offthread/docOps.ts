import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Whole-document Yjs work any module may need off the event loop (see HeavyYjs). */
export const docOps = {
  /** The updates merged into one (null for none), without building a document. */
  merge(parts: Uint8Array[]): Uint8Array | null {
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
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
    const diff = Y.diffUpdate(merged, stateVector);
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
        for (const part of parts) Y.applyUpdate(doc, part);
      });
      return Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
  },
};

/** The encoding of a document with nothing in it. */
function emptyUpdate(): Uint8Array {
  return new Uint8Array([0, 0]);
}
