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

  /** What happened, for people (the status line); `message` stays technical, for logs. */
  get words(): string {
    const what =
      this.code === LocalStoreErrorCode.loadFailed
        ? 'The copy on this device could not be read, so changes are not saved on this device'
        : 'Changes could not be saved on this device';
    return `${what}: ${causeInWords(this.cause)}.`;
  }
}

/**
 * The IndexedDB failures a user can act on, by DOMException name (the standard names; never
 * the engine-specific message text).
 */
function causeInWords(cause: unknown): string {
  const name = cause instanceof Error || isNamed(cause) ? cause.name : '';
  switch (name) {
    case 'QuotaExceededError':
      return 'the browser’s storage for this site is full';
    case 'InvalidStateError':
      return 'the browser closed the local database (storage cleared, evicted or blocked)';
    case 'UnknownError':
    case 'AbortError':
      return 'the browser refused to write (storage blocked or damaged)';
    default:
      // A plain Error names nothing the user could act on.
      return name && name !== 'Error'
        ? `the browser refused to write (${name})`
        : 'the browser refused to write';
  }
}

function isNamed(value: unknown): value is { name: string } {
  return (
    typeof value === 'object' && value !== null && typeof Reflect.get(value, 'name') === 'string'
  );
}
