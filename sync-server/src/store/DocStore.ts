/**
 * Where Yjs documents live durably. Synchronous on purpose (like tldraw's TLSyncStorage):
 * the sync engine relies on "append returned" meaning "durable", and on nothing else
 * interleaving between a read and the write that depends on it. A PostgreSQL store for
 * scale-out implements the same contract (`docStoreContract.ts`).
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

  /** Documents of the workspace changed after `sinceSeq`, in sequence order. */
  changedSince(workspaceId: string, sinceSeq: number): ChangedDocRow[];

  /** The workspace's change sequence (0 when nothing was ever written). */
  workspaceSeq(workspaceId: string): number;

  /** Deletes every document of the workspace (workspace deletion after its grace period). */
  deleteWorkspace(workspaceId: string): void;
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
}

export interface ChangedDocRow {
  readonly docId: string;
  readonly seq: number;
}
