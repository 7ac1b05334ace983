import * as Y from 'yjs';

/** Whole-document Yjs work any module may need off the event loop (see HeavyYjs). */
export const docOps = {
  /** The updates merged into one (null for none), without building a document. */
  merge(parts: Uint8Array[]): Uint8Array | null {
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
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
