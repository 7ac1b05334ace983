import type { DocErrorCode } from '@desk/protocol';

/**
 * The client's overall state, for the UI's status indicator.
 * - `connecting`: a socket attempt is in flight (or waiting for the server's welcome).
 * - `offline`: no socket; the next attempt is scheduled (`nextRetryAt`).
 * - `syncing`: connected; docs are exchanging state or local changes await acknowledgement.
 * - `synced`: connected and nothing outstanding.
 * - `error`: the server refused the connection for good (a final close code); the client
 *   does not retry until the user acts (signs in again, reloads).
 */
export interface SyncStatus {
  kind: 'connecting' | 'offline' | 'syncing' | 'synced' | 'error';
  /** Docs (open or replicating in the background) still exchanging state with the server. */
  syncingDocs: number;
  /** Local changes not yet acknowledged by the server, over every loaded doc. */
  pendingUpdates: number;
  /** Epoch ms when the connection was lost (or first failed); absent while connected. */
  offlineSince?: number;
  /** Epoch ms of the next reconnect attempt while `offline`. */
  nextRetryAt?: number;
  /** Why the client stopped: the close code (FINAL_CLOSE_CODES) and the server's words. */
  error?: { code: number; message: string };
}

/**
 * One document's state.
 * - `loading`: the local copy is being read.
 * - `offline`: loaded, not subscribed (no connection yet, or waiting to retry).
 * - `syncing`: subscribed; waiting for the server's state or for acknowledgements.
 * - `synced`: the replica has the server's state and the server has every local change.
 * - `error`: the server refused the doc (`not_member`, `access_revoked`, …); no retry until
 *   `handle.retry()` or the doc is opened again. `storage_unavailable` is retried with backoff.
 */
export interface DocStatus {
  kind: 'loading' | 'offline' | 'syncing' | 'synced' | 'error';
  /** Local changes not yet acknowledged by the server ("N changes not yet saved"). */
  pending: number;
  /** The user may not write (viewer role or read-only workspace); local edits are refused. */
  readOnly: boolean;
  error?: { code: DocErrorCode; message: string };
}

export function sameSyncStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.kind === b.kind &&
    a.syncingDocs === b.syncingDocs &&
    a.pendingUpdates === b.pendingUpdates &&
    a.offlineSince === b.offlineSince &&
    a.nextRetryAt === b.nextRetryAt &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message
  );
}

export function sameDocStatus(a: DocStatus, b: DocStatus): boolean {
  return (
    a.kind === b.kind &&
    a.pending === b.pending &&
    a.readOnly === b.readOnly &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message
  );
}
