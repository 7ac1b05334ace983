import type { EngineDocs, SyncEngine } from '../sync/SyncEngine.ts';

/**
 * What snapshots need from the sync engine: read a document's live state, and change a
 * document as the server through the same persist-then-broadcast path as a client update
 * (so connected clients converge on a restore without reloading — on a cluster, clients of
 * every process: the update goes out on the update bus like a client's).
 *
 * The reads are the engine's `docs` (`EngineDocs`): the embedded SQLite store of one
 * process, or the PostgreSQL store a cluster's processes share — never `engine.store`,
 * which a cluster process does not have.
 */
export interface SnapshotSync extends EngineDocs {
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
}

export function snapshotSyncOf(engine: SyncEngine): SnapshotSync {
  const docs = engine.docs;
  return {
    // Every update a room has applied is stored first (persist before broadcast), so the
    // stored parts are its current state — read without decoding a large document here.
    storedParts: (docId) => docs.storedParts(docId),
    workspaceSeq: (workspaceId) => docs.workspaceSeq(workspaceId),
    changedSince: (workspaceId, sinceSeq, limit) => docs.changedSince(workspaceId, sinceSeq, limit),
    generation: () => docs.generation(),
    applyServerUpdate: (docId, update) => engine.applyServerUpdate(docId, update),
  };
}
