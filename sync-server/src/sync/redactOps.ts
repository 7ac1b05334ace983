import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { redactedCopy, type RedactionPlan } from './redactDoc.ts';
import { syncMessage } from './yMessages.ts';

/** Redacted serving of large documents, run on the worker (worker/heavyOps.ts). */
export const redactOps = {
  /**
   * A large document's answer to a sync step 1 when it holds disabled entries: a copy built
   * from its stored parts, redacted, diffed against `stateVector` (RoomRedaction is the
   * cached equivalent for a room that holds a Y.Doc).
   */
  redactedSyncStep2(parts: Uint8Array[], stateVector: Uint8Array, plan: RedactionPlan): Uint8Array {
    const merged = parts.length === 0 ? new Uint8Array([0, 0]) : Y.mergeUpdates(parts);
    const copy = redactedCopy(merged, plan);
    try {
      return syncMessage(
        syncProtocol.messageYjsSyncStep2,
        Y.encodeStateAsUpdate(copy, stateVector),
      );
    } finally {
      copy.destroy();
    }
  },
};

type RedactOps = typeof redactOps;

declare module '../offthread/HeavyOpTable.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends RedactOps {}
}
