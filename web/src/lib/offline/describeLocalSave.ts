import { LocalStoreErrorCode } from '@desk/client';
import type { SyncStatus } from '@desk/client';
import { assertNever } from '@desk/protocol';
import { count } from './describeSync.ts';

/** The warning the status bar shows while this device cannot save. */
export interface LocalSaveWarning {
  /** What happened, in one sentence. */
  text: string;
  /** What the user should do, given where their changes are. */
  detail: string;
  /** The browser's reason in words (storage full, database closed…), for the curious. */
  reason: string;
}

/**
 * The words for a failed local save (non-negotiable 3: never silent). The client keeps the
 * changes in memory and retries; what matters to the user is whether closing the tab now
 * would lose some, which depends on what the server has not got yet (`unsynced`).
 * Null while the device saves normally.
 */
export function describeLocalSave(
  connection: Pick<SyncStatus, 'kind' | 'localSave' | 'localSaveError'>,
  unsynced: number,
): LocalSaveWarning | null {
  const error = connection.localSaveError;
  if (connection.localSave !== 'failed' || !error) return null;
  return {
    text: failureText(error.code),
    detail: advice(connection.kind, unsynced),
    reason: error.message,
  };
}

function failureText(code: LocalStoreErrorCode): string {
  switch (code) {
    case LocalStoreErrorCode.writeFailed:
      return 'This browser could not save your changes on this device (storage is full or blocked).';
    case LocalStoreErrorCode.loadFailed:
      return 'This browser could not read its copy of your work on this device, so changes are not saved here (storage is full or blocked).';
    default:
      return assertNever(code, 'local store error');
  }
}

function advice(kind: SyncStatus['kind'], unsynced: number): string {
  if (unsynced === 0) {
    return 'Your changes are on the server, but this device’s offline copy is incomplete. Free up space, or stay online.';
  }
  const changes = count(unsynced, 'change');
  if (kind === 'synced' || kind === 'syncing') {
    return `Stay online and keep this tab open until they are synced (${changes} not yet on the server), or free up space.`;
  }
  return `Keep this tab open until the connection is back and they are synced (${changes} not yet on the server): closing or reloading it now loses them. Or free up space.`;
}
