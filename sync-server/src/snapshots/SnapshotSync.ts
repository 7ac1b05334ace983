import type { ChangedDocRow } from '../store/DocStore.ts';
import type { SyncEngine } from '../sync/SyncEngine.ts';

/**
 * What snapshots need from the sync engine: read a document's live state, and change a
 * document as the server through the same persist-then-broadcast path as a client update
 * (so connected clients converge on a restore without reloading).
 */
export interface SnapshotSync {
  readDocState(docId: string): Promise<Uint8Array>;
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
  workspaceSeq(workspaceId: string): number;
  generation(): string;
  /** Documents of the workspace changed after `sinceSeq` (same store generation). */
  changedSince(workspaceId: string, sinceSeq: number): ChangedDocRow[];
}

export function snapshotSyncOf(engine: SyncEngine): SnapshotSync {
  return {
    readDocState: (docId) => engine.readDocState(docId),
    applyServerUpdate: (docId, update) => engine.applyServerUpdate(docId, update),
    workspaceSeq: (workspaceId) => engine.workspaceSeq(workspaceId),
    generation: () => engine.generation(),
    changedSince: (workspaceId, sinceSeq) => engine.store.changedSince(workspaceId, sinceSeq),
  };
}
