import type { DocErrorCode } from '@desk/protocol';
import type { LocalStoreErrorCode } from '../store/LocalStoreError.ts';

/**
 * Whether this device keeps a copy of the changes: `failed` while the local store (IndexedDB)
 * could not read or write a loaded doc — storage full, evicted or blocked. Changes since then
 * live only in memory until the server has them or a later local write works (which clears
 * it); a reload would lose the ones the server does not have yet.
 */
export type LocalSave = 'ok' | 'failed';

/** Why the local save failed: the store's code, and what happened in words (for people). */
export interface LocalSaveError {
  code: LocalStoreErrorCode;
  message: string;
}

/**
 * The client's overall state, for the UI's status indicator.
 * - `connecting`: a socket attempt is in flight (or waiting for the server's welcome).
 * - `offline`: no socket; the next attempt is scheduled (`nextRetryAt`), or waits for the
 *   device's network to come back (no `nextRetryAt`).
 * - `syncing`: connected; docs are exchanging state or local changes await acknowledgement
 *   (`unconfirmed` when one has waited longer than it should: the connection is in doubt).
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
  /**
   * Connected, but a local edit has waited longer than `unconfirmedAfterMs` for the server's
   * acknowledgement on this connection: saving is in doubt (a half-open network looks
   * connected until the heartbeat gives up). Never true while nothing is pending.
   */
  unconfirmed: boolean;
  /** Epoch ms of the oldest local edit the server has not acknowledged (absent if none). */
  unconfirmedSince?: number;
  /** Epoch ms when the connection was lost (or first failed); absent while connected. */
  offlineSince?: number;
  /** Epoch ms of the next reconnect attempt while `offline` (absent: waiting for the network). */
  nextRetryAt?: number;
  /** Why the client stopped: the close code (FINAL_CLOSE_CODES) and the server's words. */
  error?: { code: number; message: string };
  /** `failed` while any loaded doc cannot be saved on this device. */
  localSave: LocalSave;
  /** While `failed`: the first failing doc's reason, and how many docs fail. */
  localSaveError?: LocalSaveError & { docs: number };
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
  /** `failed` while this doc's changes cannot be saved on this device (see LocalSave). */
  localSave: LocalSave;
  localSaveError?: LocalSaveError;
}

export function sameSyncStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.kind === b.kind &&
    a.syncingDocs === b.syncingDocs &&
    a.pendingUpdates === b.pendingUpdates &&
    a.unconfirmed === b.unconfirmed &&
    a.unconfirmedSince === b.unconfirmedSince &&
    a.offlineSince === b.offlineSince &&
    a.nextRetryAt === b.nextRetryAt &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.localSave === b.localSave &&
    a.localSaveError?.code === b.localSaveError?.code &&
    a.localSaveError?.message === b.localSaveError?.message &&
    a.localSaveError?.docs === b.localSaveError?.docs
  );
}

export function sameDocStatus(a: DocStatus, b: DocStatus): boolean {
  return (
    a.kind === b.kind &&
    a.pending === b.pending &&
    a.readOnly === b.readOnly &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.localSave === b.localSave &&
    a.localSaveError?.code === b.localSaveError?.code &&
    a.localSaveError?.message === b.localSaveError?.message
  );
}
