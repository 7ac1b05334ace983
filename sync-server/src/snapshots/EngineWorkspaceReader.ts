import type { EngineDocs } from '../sync/SyncEngine.ts';
import type { OpenAsyncWorkspaceReader } from './WorkspaceReader.ts';

/**
 * The reader of a cluster process: the workspace's documents through the engine's shared
 * store (`EngineDocs`, PostgreSQL), not a frozen view — there is no second connection on a
 * file to hold one read transaction on, and a transaction held open for a whole capture
 * would keep a pooled connection and hold back PostgreSQL's vacuum.
 *
 * What that changes: the sequence is read first and the list after it, and each document
 * is read when its turn comes, so every document is captured at least as new as `seq`
 * (edits made while the capture runs may be in it). What stays exact: a document's row
 * records the sequence the list gave it, never newer than its content, so the next capture
 * reads it again when it moved and reuses its blob only when it did not; the schedule sees
 * a workspace changed whenever something landed after `seq`; the diff compares documents
 * by content. Captures, restores and undos of one workspace still run one at a time
 * across the cluster (the `snapshots:<workspaceId>` lease, `WorkspaceQueue`).
 */
export function engineWorkspaceReader(docs: EngineDocs): OpenAsyncWorkspaceReader {
  return async (workspaceId) => {
    const seq = await docs.workspaceSeq(workspaceId);
    const changed = await docs.changedSince(workspaceId, 0);
    return {
      seq,
      generation: docs.generation(),
      docs: changed,
      load: (docId) => docs.storedParts(docId),
      close: () => undefined,
    };
  };
}
