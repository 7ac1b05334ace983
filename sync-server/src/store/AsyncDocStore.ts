import type {
  AppendResult,
  ChangedDocRow,
  ClosedDoc,
  DocStore,
  LeaseFence,
  NewUpdate,
  StoredCountRow,
  StoredDoc,
} from './DocStore.ts';

/**
 * `DocStore` with every method returning a promise: the shape a store on a network
 * database (PostgreSQL, for scale-out) can have. Same contract, method for method
 * (`testing/asyncDocStoreContract.ts` runs it against both): "append resolved" means
 * durable, an append's updates are all durable or none is, and each update takes the next
 * number of its workspace's change sequence — gap-free and in commit order even when
 * several processes append to one workspace at once.
 *
 * The sliced methods bound what one event-loop turn reads or writes of a large document
 * (issue 13): SQLite's a chunk per turn across short transactions, PostgreSQL's a chunk per
 * statement inside one transaction (PgDocStore).
 */
export interface AsyncDocStore {
  generation(): Promise<string>;
  load(docId: string): Promise<StoredDoc | null>;
  /**
   * `load` a slice per turn (`DocStore.loadInSlices`): one consistent version — a merged state
   * and exactly the log rows after it — never a mix, whatever commits meanwhile.
   */
  loadInSlices(docId: string): Promise<StoredDoc | null>;
  append(updates: readonly NewUpdate[]): Promise<AppendResult[]>;
  /**
   * `fence`: written under a lease — refused with `StaleFenceError` (nothing written) when
   * the store has seen a newer fence of the lease's name.
   */
  compact(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void>;
  /**
   * `compact` a slice per turn (`DocStore.compactInSlices`): until it commits, readers see the
   * state it replaces and that state's log; afterwards the new state and the rest of the log.
   */
  compactInSlices(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void>;
  changedSince(workspaceId: string, sinceSeq: number, limit?: number): Promise<ChangedDocRow[]>;
  /** `DocStore.storedCounts`: what the lagging-document watch of a cluster compares with. */
  storedCounts(workspaceId: string, docIds: readonly string[]): Promise<StoredCountRow[]>;
  workspaceSeq(workspaceId: string): Promise<number>;
  ticketCount(workspaceId: string): Promise<number>;
  deleteWorkspace(workspaceId: string): Promise<void>;
  deleteDocs(docIds: readonly string[]): Promise<number>;
  closeWorkspace(workspaceId: string): Promise<void>;
  closeDocs(docs: readonly ClosedDoc[]): Promise<void>;
}

/**
 * A synchronous DocStore (SQLite) behind the async interface, so code written against
 * `AsyncDocStore` runs on the embedded database too. Each call still runs synchronously
 * in the turn it is made — the wrapper only defers the result (and turns a throw into a
 * rejection), it adds no interleaving the synchronous store does not have.
 */
export function asyncDocStore(store: DocStore): AsyncDocStore {
  const call = <T>(run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return {
    generation: () => call(() => store.generation()),
    load: (docId) => call(() => store.load(docId)),
    loadInSlices: (docId) => store.loadInSlices(docId),
    append: (updates) => call(() => store.append(updates)),
    // One process: no other holder of a lease can write here, so there is no fence to
    // check (SqliteDocStore ignores it).
    compact: (docId, state, throughLogId) => call(() => store.compact(docId, state, throughLogId)),
    compactInSlices: (docId, state, throughLogId) =>
      store.compactInSlices(docId, state, throughLogId),
    changedSince: (workspaceId, sinceSeq, limit) =>
      call(() => store.changedSince(workspaceId, sinceSeq, limit)),
    storedCounts: (workspaceId, docIds) => call(() => store.storedCounts(workspaceId, docIds)),
    workspaceSeq: (workspaceId) => call(() => store.workspaceSeq(workspaceId)),
    ticketCount: (workspaceId) => call(() => store.ticketCount(workspaceId)),
    deleteWorkspace: (workspaceId) => call(() => store.deleteWorkspace(workspaceId)),
    deleteDocs: (docIds) => call(() => store.deleteDocs(docIds)),
    closeWorkspace: (workspaceId) => call(() => store.closeWorkspace(workspaceId)),
    closeDocs: (docs) => call(() => store.closeDocs(docs)),
  };
}
