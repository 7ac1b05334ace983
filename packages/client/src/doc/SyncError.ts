import type { DocErrorCode } from '@desk/protocol';

/** Why a doc could not be synced (`whenSynced` rejects with it); `code` is for the UI. */
export class SyncError extends Error {
  readonly code: DocErrorCode;

  constructor(code: DocErrorCode, message: string) {
    super(message);
    this.name = 'SyncError';
    this.code = code;
  }
}
