import type { ChangedDocRow } from '../store/DocStore.ts';
import type { SyncEngine } from '../sync/SyncEngine.ts';

/**
 * What snapshots need from the sync engine: read a document's live state, and change a
 * document as the server through the same persist-then-broadcast path as a client update
 * (so connected clients converge on a restore without reloading).
 */
export interface SnapshotSync {
  /**
   * The document as stored (merged state, then the updates logged since). Every update a
   * room has applied is stored first (persist before broadcast), so this is its current
   * state — read without decoding a large document on the main thread.
   */
  storedParts(docId: string): Uint8Array[];
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
  workspaceSeq(workspaceId: string): number;
  generation(): string;
  /** Documents of the workspace changed after `sinceSeq` (same store generation). */
  changedSince(workspaceId: string, sinceSeq: number): ChangedDocRow[];
}

export function snapshotSyncOf(engine: SyncEngine): SnapshotSync {
  return {
    storedParts: (docId) => {
      const stored = engine.store.load(docId);
      if (!stored) return [];
      return stored.state ? [stored.state, ...stored.log] : stored.log;
    },
    applyServerUpdate: (docId, update) => engine.applyServerUpdate(docId, update),
    workspaceSeq: (workspaceId) => engine.workspaceSeq(workspaceId),
    generation: () => engine.generation(),
    changedSince: (workspaceId, sinceSeq) => engine.store.changedSince(workspaceId, sinceSeq),
  };
}
