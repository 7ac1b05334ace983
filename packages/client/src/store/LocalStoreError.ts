/** What went wrong in the local store, for logs and for the UI to put in words. */
export const LocalStoreErrorCode = {
  /** The stored state of a doc could not be read (or its legacy copy imported). */
  loadFailed: 'load_failed',
  /** A change could not be written: it is on the server once synced, but not on this device. */
  writeFailed: 'write_failed',
} as const;
export type LocalStoreErrorCode = (typeof LocalStoreErrorCode)[keyof typeof LocalStoreErrorCode];

/** A failure of the local store for one doc; `cause` holds the IndexedDB error. */
export class LocalStoreError extends Error {
  readonly code: LocalStoreErrorCode;
  readonly docId: string;

  constructor(code: LocalStoreErrorCode, docId: string, cause: unknown) {
    super(`${code} for ${docId}: ${String(cause)}`, { cause });
    this.name = 'LocalStoreError';
    this.code = code;
    this.docId = docId;
  }
}
