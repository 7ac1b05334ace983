import type { DocErrorCode } from '@desk/protocol';
import type * as Y from 'yjs';
import type { LocalStoreError } from './LocalStoreError.ts';

/**
 * The client's local copy of every document it holds, plus the bookkeeping catch-up needs.
 * In browsers this is IndexedDB (`IndexedDbStore`); Node tests inject `MemoryStore` or the
 * IndexedDB store over fake-indexeddb. One small interface so the sync code never touches
 * a storage API; every implementation passes `localStoreContract.ts`.
 */
export interface LocalStore {
  /**
   * Applies the stored state of `docId` to `doc` and keeps storing every later update of
   * `doc` until the binding is destroyed. Registers the doc as held.
   */
  bind(docId: string, doc: Y.Doc): DocBinding;
  /** Forgets a doc's stored state (used when a replica is reset from the server). */
  deleteDoc(docId: string): Promise<void>;
  /** Every doc held locally, with its dirty flag (local changes the server may not have). */
  listDocs(): Promise<HeldDoc[]>;
  /**
   * Marks a doc as having local changes the server has not acknowledged. A dirty doc is
   * re-synced on the next connection even when catch-up does not name it, so offline edits
   * to a doc nobody has open still reach the server.
   */
  setDirty(docId: string, dirty: boolean): Promise<void>;
  getWorkspaceMeta(workspaceId: string): Promise<WorkspaceMeta | null>;
  setWorkspaceMeta(workspaceId: string, meta: WorkspaceMeta): Promise<void>;
  /** Refused local changes kept as drafts the user can export (DESIGN §4.4). */
  getDrafts(docId: string): Promise<RefusedChange[]>;
  setDrafts(docId: string, drafts: readonly RefusedChange[]): Promise<void>;
  close(): Promise<void>;
}

export interface DocBinding {
  /** Resolves once the stored state is applied to the doc; rejects if the store failed. */
  readonly whenLoaded: Promise<void>;
  /** The transaction origin used when applying stored state, so the client does not echo it. */
  readonly origin: unknown;
  /**
   * Tells, while bound, when storing the doc fails and when it works again: `listener` gets
   * a LocalStoreError (`write_failed`) when a write fails, and `null` once a later write has
   * stored everything that had failed. Changes that could not be stored stay in memory and
   * are written again with the next change (and at `destroy`), so a transient failure
   * (storage full, then freed) loses nothing. Returns the unsubscribe function.
   * A load failure is not reported here: `whenLoaded` rejects with `load_failed`.
   */
  onWriteError(listener: (error: LocalStoreError | null) => void): () => void;
  /**
   * Stops storing updates; writes already started, and a last try of the failed ones,
   * complete first. Rejects (after that) when changes are still not stored, so the caller
   * can log that this device's copy misses them.
   */
  destroy(): Promise<void>;
}

export interface HeldDoc {
  docId: string;
  dirty: boolean;
}

/** What catch-up remembers per workspace: the last change sequence seen, with its generation. */
export interface WorkspaceMeta {
  seq: number;
  generation: string;
  /**
   * When the replica of the workspace last caught up: the server's clock (epoch ms) in the
   * catch-up result after which every changed doc was synced (protocol 5). Named in every
   * `subscribe`, so the server can refuse writes of a replica older than its limit.
   * Absent before the first such catch-up.
   */
  syncedAt?: number;
}

/** A local change the server refused, kept whole so the user can copy or export it. */
export interface RefusedChange {
  code: DocErrorCode;
  message: string;
  /** A Yjs update holding the refused content (minus what the server already has). */
  update: Uint8Array;
  /** Epoch milliseconds when the refusal arrived. */
  at: number;
}
