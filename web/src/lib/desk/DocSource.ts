import type { DocErrorCode } from '@desk/protocol';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

/**
 * What the desk needs from the sync layer — the contract of `SyncClient` in
 * `@desk/client`: ref-counted handles on documents of the local replica.
 */
export interface DocHandle {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** The local (IndexedDB) copy is loaded: the doc can be shown, also offline. */
  readonly whenLoaded: Promise<void>;
  /** In sync with the server (never resolves while offline). */
  readonly whenSynced: Promise<void>;
  release(): void;
  /**
   * After the server refused a change, the replica is rebuilt from the server's state: a
   * NEW `doc` and `awareness`. Holders must re-bind (SyncClient's DocHandle has this).
   */
  on?(event: 'replaced', listener: () => void): () => void;
}

/** The overall state, as `SyncClient.status` reports it (the fields the desk shows). */
export interface ConnectionStatus {
  kind: 'connecting' | 'offline' | 'syncing' | 'synced' | 'error';
  /** Local changes the server has not acknowledged yet. */
  pendingUpdates: number;
  error?: { code: number; message: string };
}

/** A document the server refused (`doc_error`): which one and why. */
export interface DocRefusalNotice {
  readonly docId: string;
  readonly code: DocErrorCode;
  readonly message: string;
}

export interface DocSource {
  open(docId: string): DocHandle;
  readonly status: ConnectionStatus;
  subscribe(listener: (status: ConnectionStatus) => void): () => void;
  /** Every refusal by the server; absent where nothing syncs (the local-only source). */
  onRefusal?(listener: (refusal: DocRefusalNotice) => void): () => void;
  /**
   * Whether a doc has been fully synced to this device at least once, so it opens offline
   * with its content (partial replication, issue 15: a device does not hold every ticket).
   * Absent where every doc is local (the local-only source).
   */
  isHeld?(docId: string): Promise<boolean>;
  /** Records a doc fetched on demand and now in sync: it stays on this device from now on. */
  markHeld?(docId: string): void;
  destroy(): void;
}
