import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { redactInPlace, type EntryItems, type RedactionPlan } from './redactDoc.ts';
import { syncMessage } from './yMessages.ts';

/** Redacted serving of large documents, run on the worker (worker/heavyOps.ts). */
export const redactOps = {
  /**
   * A large document's whole state, redacted: a copy built from its stored parts with the
   * plan's entries redacted, encoded as one update (LargeDocState caches it per version and
   * answers each sync step 1 with a diff of it; RoomRedaction is the equivalent for a room
   * that holds a Y.Doc).
   */
  redactedState(
    parts: Uint8Array[],
    plan: RedactionPlan,
  ): { state: Uint8Array; entryItems: EntryItems } {
    const merged = parts.length === 0 ? new Uint8Array([0, 0]) : Y.mergeUpdates(parts);
    const copy = new Y.Doc();
    try {
      Y.applyUpdate(copy, merged);
      const entryItems: EntryItems = [];
      redactInPlace(copy, plan, null, entryItems);
      return { state: Y.encodeStateAsUpdate(copy), entryItems };
    } finally {
      copy.destroy();
    }
  },

  /** The answer to a sync step 1 from a redacted copy of `parts` (uncached). */
  redactedSyncStep2(parts: Uint8Array[], stateVector: Uint8Array, plan: RedactionPlan): Uint8Array {
    const { state } = redactOps.redactedState(parts, plan);
    return syncMessage(syncProtocol.messageYjsSyncStep2, Y.diffUpdate(state, stateVector));
  },
};

type RedactOps = typeof redactOps;

declare module '../offthread/HeavyOpTable.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends RedactOps {}
}
