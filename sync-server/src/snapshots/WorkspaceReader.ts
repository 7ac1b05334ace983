import type { ChangedDocRow } from '../store/DocStore.ts';

/**
 * A frozen view of one workspace's documents, for a snapshot capture that runs in slices:
 * every read sees the database as it was when the reader opened, whatever the sync engine
 * writes meanwhile — so all documents are captured at the same change sequence.
 */
export interface WorkspaceReader {
  /** The workspace change sequence of this view. */
  readonly seq: number;
  readonly generation: string;
  /** Every document of the workspace with its last change sequence. */
  readonly docs: readonly ChangedDocRow[];
  /**
   * The document as stored: its merged state and the updates logged since, to merge into
   * one update (empty when it was never written).
   */
  load(docId: string): Uint8Array[];
  close(): void;
}

export type OpenWorkspaceReader = (workspaceId: string) => WorkspaceReader;

/**
 * A view of one workspace's documents for a snapshot capture, read asynchronously: the
 * SQLite reader's frozen view (`asyncReaderOf`) or a cluster's live reads through the engine
 * (`engineWorkspaceReader`).
 */
export interface AsyncWorkspaceReader {
  /** The workspace change sequence of this view: every document read is at least this new. */
  readonly seq: number;
  readonly generation: string;
  /** Every document of the workspace with its last change sequence. */
  readonly docs: readonly ChangedDocRow[];
  /** As `WorkspaceReader.load`. */
  load(docId: string): Promise<Uint8Array[]>;
  close(): void;
}

export type OpenAsyncWorkspaceReader = (workspaceId: string) => Promise<AsyncWorkspaceReader>;

/** A synchronous reader (SQLite's) behind the asynchronous interface: the same reads. */
export function asyncReaderOf(open: OpenWorkspaceReader): OpenAsyncWorkspaceReader {
  return async (workspaceId) => {
    const reader = open(workspaceId);
    return {
      seq: reader.seq,
      generation: reader.generation,
      docs: reader.docs,
      load: async (docId) => reader.load(docId),
      close: () => reader.close(),
    };
  };
}
