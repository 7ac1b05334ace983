import type { AsyncDocStore } from '../store/AsyncDocStore.ts';
import type {
  AppendResult,
  ChangedDocRow,
  ClosedDoc,
  LeaseFence,
  NewUpdate,
  StoredDoc,
} from '../store/DocStore.ts';

/**
 * What the sync core (rooms, write pipeline, catch-up) needs of the document store. The
 * embedded store (SQLite's `DocStore`) is one as it is: its answers come at once, and the
 * pipeline then stores, applies, broadcasts and acks in one turn, as it always has. A store
 * on a network database (PostgreSQL, `clusterDocStore`) answers with promises: the pipeline
 * keeps one append in flight and collects the next batch meanwhile.
 *
 * The synchronous answers are not wrapped in promises on purpose: the SQLite write path must
 * not pay a microtask hop per turn, nor lose "`flushNow` stored it" for its synchronous
 * callers (`SyncEngine.deleteDocs`).
 */
export interface SyncDocStore {
  /** Constant for the life of the process (a restore from a backup restarts it). */
  generation(): string;
  loadInSlices(docId: string): Promise<StoredDoc | null>;
  append(updates: readonly NewUpdate[]): AppendResult[] | Promise<AppendResult[]>;
  ticketCount(workspaceId: string): number | Promise<number>;
  workspaceSeq(workspaceId: string): number | Promise<number>;
  changedSince(
    workspaceId: string,
    sinceSeq: number,
    limit?: number,
  ): ChangedDocRow[] | Promise<ChangedDocRow[]>;
  /**
   * Compaction with the loaded room's doc as the new state (`DocStore.compact`). Absent on a
   * store shared by several processes: a room there may lack another process's update that
   * is already below its last log id (its stream entry still in flight), so its encoding
   * must not replace those rows; such a store is compacted from what it holds only.
   */
  compact?(docId: string, state: Uint8Array, throughLogId: number): void;
  /**
   * Compaction with a state merged from the stored rows (`DocStore.compactInSlices`). On a
   * shared store two processes may compact one doc at once: the store must drop a state
   * through an earlier row than the one it holds (PgDocStore.compact does). `fence`: the
   * `compact:<docId>` lease's, on a cluster — the store refuses it (`StaleFenceError`) once a
   * later holder has written; the embedded store, one process, has no other holder and
   * ignores it.
   */
  compactInSlices?(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void>;
  /** Deletes the docs with their logs and states; how many of them existed. */
  deleteDocs(docIds: readonly string[]): number | Promise<number>;
  /** A purge begins: appends to the workspace are refused from now on (DocStore.closeWorkspace). */
  closeWorkspace(workspaceId: string): void | Promise<void>;
  /** A deleted account's private docs: appends to them are refused from now on (DocStore.closeDocs). */
  closeDocs(docs: readonly ClosedDoc[]): void | Promise<void>;
}

/**
 * A store shared by the processes of a cluster (PostgreSQL) as the sync core uses it.
 * `generation` is read once at start-up. Loads and compactions go through the store's sliced
 * methods (PgDocStore: a state chunk per statement), so a large doc holds no turn for long
 * (issue 13). Compaction from the stored rows only (see `SyncDocStore`); the
 * engine's `compactionLease` (a `compact:<docId>` lease in Redis) keeps two processes from
 * doing it for one doc at once.
 */
export async function clusterDocStore(store: AsyncDocStore): Promise<SyncDocStore> {
  const generation = await store.generation();
  return {
    generation: () => generation,
    loadInSlices: (docId) => store.loadInSlices(docId),
    append: (updates) => store.append(updates),
    ticketCount: (workspaceId) => store.ticketCount(workspaceId),
    workspaceSeq: (workspaceId) => store.workspaceSeq(workspaceId),
    changedSince: (workspaceId, sinceSeq, limit) =>
      store.changedSince(workspaceId, sinceSeq, limit),
    compactInSlices: (docId, state, throughLogId, fence) =>
      store.compactInSlices(docId, state, throughLogId, fence),
    deleteDocs: (docIds) => store.deleteDocs(docIds),
    closeWorkspace: (workspaceId) => store.closeWorkspace(workspaceId),
    closeDocs: (docs) => store.closeDocs(docs),
  };
}
