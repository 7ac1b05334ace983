import type { DocHandle as SyncDocHandle, SyncStatus } from '@desk/client';
import type { DisabledItemEntry, DocErrorMessage } from '@desk/protocol';

/**
 * A ref-counted handle on a document of the local replica: the members of the client's
 * `DocHandle` the desk uses. `on('replaced')` (the replica was rebuilt after the server
 * refused a change: a NEW doc and awareness to re-bind to) and `subscribe` (the doc's sync
 * status, with the access the server announced) and `limits` (the plan's, from `subscribed`)
 * are absent where nothing syncs.
 */
export type DocHandle = Pick<
  SyncDocHandle,
  'doc' | 'awareness' | 'whenLoaded' | 'whenSynced' | 'release'
> &
  Partial<Pick<SyncDocHandle, 'on' | 'subscribe' | 'limits'>>;

/** The overall state, as `SyncClient.status` reports it (the fields the desk shows). */
export type ConnectionStatus = Pick<SyncStatus, 'kind' | 'pendingUpdates' | 'error'>;

/** A document the server refused (`doc_error`): which one and why. */
export type DocRefusalNotice = Pick<DocErrorMessage, 'docId' | 'code' | 'message'>;

/**
 * What the desk needs from the sync layer — the part of `@desk/client`'s SyncClient it
 * uses, so the local-only source (no server) and test doubles can stand in for it.
 */
export interface DocSource {
  open(docId: string): DocHandle;
  readonly status: ConnectionStatus;
  subscribe(listener: (status: ConnectionStatus) => void): () => void;
  /** Every refusal by the server; absent where nothing syncs (the local-only source). */
  onRefusal?(listener: (refusal: DocRefusalNotice) => void): () => void;
  /**
   * Every list of disabled items the server pushes (terms §4): the workspace's whole list
   * each time. Absent where nothing syncs.
   */
  onDisabledItems?(
    listener: (workspaceId: string, items: readonly DisabledItemEntry[]) => void,
  ): () => void;
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
