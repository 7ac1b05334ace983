/**
 * Where Yjs documents live durably. Synchronous on purpose (like tldraw's TLSyncStorage):
 * the sync engine relies on "append returned" meaning "durable", and on nothing else
 * interleaving between a read and the write that depends on it. A PostgreSQL store for
 * scale-out implements the same contract (`testing/docStoreContract.ts`).
 */
export interface DocStore {
  /** The store generation: changes whenever the database is restored from a backup. */
  generation(): string;

  /**
   * The document as stored: its merged state (if compacted) and the updates logged since,
   * in order. Null when the document was never written. Throws when the store fails.
   */
  load(docId: string): StoredDoc | null;

  /**
   * Appends updates to their documents' logs in ONE transaction: all are durable when this
   * returns, or none is (it throws). Each update bumps its workspace's change sequence.
   * Results are in the order of `updates`. What it writes must not depend on the size of
   * the document: it never rewrites the merged state (the contract counts the writes).
   */
  append(updates: readonly NewUpdate[]): AppendResult[];

  /**
   * Replaces a document's merged state and deletes its logged updates up to and including
   * `throughLogId`, atomically. Updates logged after `throughLogId` stay in the log. The
   * only write of the merged state; the sync engine calls it as `compactionDue` says.
   */
  compact(docId: string, state: Uint8Array, throughLogId: number): void;

  /**
   * `load` read in slices across event-loop turns, for large documents: no synchronous step
   * reads more than about one slice (a state chunk, or log rows of about that size), so a
   * 100 MB document never blocks the loop for long. The result is one consistent version —
   * a merged state and exactly the log rows after it — never a mix: when a compaction
   * commits meanwhile, it reads again. Updates appended meanwhile are in it up to its last
   * slice; append stays synchronous and fast throughout.
   */
  loadInSlices(docId: string): Promise<StoredDoc | null>;

  /**
   * `compact` written in slices across event-loop turns, for large documents: the new
   * state's chunks in short transactions, then one short transaction makes it current (the
   * log through `throughLogId` is no longer read), then the replaced state and those log
   * rows are deleted in slices.
   * Until that switch the old state and log stay current and valid: a crash leaves them as
   * they were (leftovers are removed by the doc's next compaction). Appends go on meanwhile.
   * Compactions of one doc run one after another. Rejects with a DocStoreError
   * `compaction_superseded` when another compaction replaced the state it started from
   * (nothing of this one is kept).
   */
  compactInSlices(docId: string, state: Uint8Array, throughLogId: number): Promise<void>;

  /**
   * Documents of the workspace changed after `sinceSeq`, in sequence order; the first
   * `limit` only when given (a reader that takes a few per pass: a backfill from 0 of a
   * 100,000-doc workspace is otherwise 100,000 rows read on the event loop every pass).
   */
  changedSince(workspaceId: string, sinceSeq: number, limit?: number): ChangedDocRow[];

  /**
   * How many updates each of these docs of the workspace has had stored, ever
   * (`StoredDoc.updatesStored`); docs never stored are left out.
   */
  storedCounts(workspaceId: string, docIds: readonly string[]): StoredCountRow[];

  /** The workspace's change sequence (0 when nothing was ever written). */
  workspaceSeq(workspaceId: string): number;

  /**
   * How many ticket documents (`<ws>:ticket:<id>`) of the workspace exist — a lookup (a
   * counter the store keeps as docs are created and deleted), not a count: the pipeline
   * reads it for every new ticket doc (SPEC.md, LIMIT-7).
   */
  ticketCount(workspaceId: string): number;

  /** Deletes every document of the workspace (workspace deletion after its grace period). */
  deleteWorkspace(workspaceId: string): void;

  /** Deletes these documents (state, log, head) in one transaction; returns how many existed. */
  deleteDocs(docIds: readonly string[]): number;

  /**
   * Marks the workspace closed for good (its purge begins): from the commit on, an append
   * that holds one of its updates throws `WorkspaceClosedError` and stores nothing of its
   * batch. Ordered with appends by the workspace's sequence row — an append either committed
   * before (its docs are then listed by `changedSince` and deleted with the rest) or is
   * refused — so nothing recreates a document after the purge, whichever process writes.
   */
  closeWorkspace(workspaceId: string): void;

  /**
   * Marks private documents closed for good (a deleted account's, `<workspace>:user:<uid>`):
   * from the commit on, an append holding an update to one of them throws `DocClosedError`
   * and stores nothing of its batch. Ordered with appends as `closeWorkspace` is (by the
   * docs' workspace sequence rows), so an append either committed before — and the deletion
   * that follows removes it — or is refused: nothing recreates the document afterwards.
   * Only private documents (`isPrivateDoc`) may be closed: the append looks up no other.
   */
  closeDocs(docs: readonly ClosedDoc[]): void;
}

/** A private document to close, with its workspace (whose sequence orders the closure). */
export interface ClosedDoc {
  readonly docId: string;
  readonly workspaceId: string;
}

/** What a private document's id holds (`docIds.user`: `<workspace>:user:<uid>`). */
const PRIVATE_DOC_MARK = ':user:';

/**
 * A document `closeDocs` may close: the append looks up only these in `closed_docs`, so the
 * hot path of every other document (tickets, indexes) is unchanged.
 */
export function isPrivateDoc(docId: string): boolean {
  return docId.includes(PRIVATE_DOC_MARK);
}

/** Refuses a closure of a document an append would not check (a programming error). */
export function assertPrivateDocs(docs: readonly ClosedDoc[]): void {
  const other = docs.find((doc) => !isPrivateDoc(doc.docId));
  if (other) throw new Error(`only private documents are closed, not ${other.docId}`);
}

export const DocStoreErrorCode = {
  /** A sliced compaction found the state it started from replaced by another compaction. */
  compactionSuperseded: 'compaction_superseded',
  /** The current state's chunks are not all there (the database was altered by hand). */
  stateIncomplete: 'state_incomplete',
} as const;
export type DocStoreErrorCode = (typeof DocStoreErrorCode)[keyof typeof DocStoreErrorCode];

export class DocStoreError extends Error {
  constructor(
    readonly code: DocStoreErrorCode,
    readonly docId: string,
  ) {
    super(`${code}: ${docId}`);
    this.name = 'DocStoreError';
  }
}

/**
 * An append held updates to a workspace whose purge has begun (`closeWorkspace`): nothing of
 * the batch was stored. The sync layer refuses those updates with `workspace_deleted` (the
 * client forgets the workspace) and appends the rest of the batch again.
 */
export class WorkspaceClosedError extends Error {
  constructor(readonly workspaceIds: readonly string[]) {
    super(`workspace_closed: ${workspaceIds.join(', ')}`);
    this.name = 'WorkspaceClosedError';
  }
}

/** The words a deleted account's clients are given (its sockets, and a refused write). */
export const ACCOUNT_DELETED_MESSAGE = 'The account was deleted.';

/**
 * An append held updates to private documents closed for good (`closeDocs`: their account
 * was deleted): nothing of the batch was stored. The sync layer refuses those updates with
 * `access_revoked` ("The account was deleted.", what the account's sockets were told) and
 * appends the rest of the batch again.
 */
export class DocClosedError extends Error {
  constructor(readonly docIds: readonly string[]) {
    super(`doc_closed: ${docIds.join(', ')}`);
    this.name = 'DocClosedError';
  }
}

/**
 * The right to write under a lease (`compact:<docId>`; also `search`, `deletion-sweep` and
 * `snapshots:<workspaceId>` on the SQL stores, store/leaseFences.ts): its name and the fence
 * its grant took (RedisLeases). A store refuses a write whose fence is older than the
 * highest it has seen for the name, so a holder paused past its lease's TTL cannot
 * overwrite the work of the holder that took over.
 */
export interface LeaseFence {
  readonly name: string;
  readonly fence: number;
}

/** A write under a lease whose fence is older than one the store has seen for the name. */
export class StaleFenceError extends Error {
  constructor(
    readonly leaseName: string,
    readonly fence: number,
    readonly highest: number,
  ) {
    super(`stale_fence: ${leaseName} at ${fence}, the store has seen ${highest}`);
    this.name = 'StaleFenceError';
  }
}

export interface StoredDoc {
  /** The merged state, or null when the document was never compacted. */
  readonly state: Uint8Array | null;
  /** Updates logged after `state`, oldest first. */
  readonly log: Uint8Array[];
  /** Id of the newest log row included in `log` (0 when the log is empty). */
  readonly lastLogId: number;
  /** Bytes of `state` plus the log: what the document weighs in the store. */
  readonly storedBytes: number;
  /** The workspace change sequence of the document's latest update. */
  readonly lastSeq: number;
  /**
   * How many updates the document has had stored, ever (compaction does not lower it): a
   * load includes updates 1 through this. What the lagging-document watch of a cluster
   * compares with what a process applied (pgUpdateCountsSchema, SQLite migration 29).
   */
  readonly updatesStored: number;
}

export interface NewUpdate {
  readonly docId: string;
  readonly workspaceId: string;
  readonly update: Uint8Array;
}

export interface AppendResult {
  /** The workspace change sequence this update was given. */
  readonly seq: number;
  /** The log row id; pass the newest one compacted to `compact`. */
  readonly logId: number;
  /**
   * This update's number among its document's stored updates (1, 2, 3… in commit order,
   * without gaps): see `StoredDoc.updatesStored`.
   */
  readonly stored: number;
}

/** How many updates a document has had stored, ever (`StoredDoc.updatesStored`). */
export interface StoredCountRow {
  readonly docId: string;
  readonly updatesStored: number;
}

export interface ChangedDocRow {
  readonly docId: string;
  readonly seq: number;
}
