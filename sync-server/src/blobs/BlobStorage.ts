import type { Readable } from 'node:stream';
import type { ByteRange } from './byteRange.ts';

/**
 * The seam between attachments and where their bytes live (issue 17: the filesystem today,
 * S3-compatible storage later). Content-addressed: a blob's name is the SHA-256 of its
 * bytes, so a stored blob never changes and the same content is kept once. Every
 * implementation passes `testing/blobStorageContract.ts`.
 */
export interface BlobStorage {
  /**
   * Stores the stream's bytes. Rejects with BlobTooLargeError as soon as more than
   * `maxBytes` arrived, with StorageFullError when the storage has no room, and with
   * whatever `inspect` throws; in every failure nothing is kept (no partial blob).
   */
  put(body: Readable, maxBytes: number, inspect?: InspectUpload): Promise<StoredBlob>;
  has(sha256: string): Promise<boolean>;
  /**
   * Removes the stored bytes (a purged workspace's attachment no other workspace uses);
   * resolves as well when there was nothing to remove.
   */
  delete(sha256: string): Promise<void>;
  /** The stored bytes, or the inclusive `range` of them. */
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * The addresses of every blob stored before `time` (ms since the epoch), for a sweep that
   * deletes what nothing names any more (export zips a process stored and died before it
   * recorded). Reads the whole storage: meant for the small `exports` space, not for
   * attachments.
   */
  storedBefore(time: number): Promise<string[]>;
}

export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/**
 * Looks at a finished upload's first bytes before it is kept; throwing refuses it and
 * nothing is stored.
 */
export type InspectUpload = (sample: Uint8Array) => Promise<void> | void;

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`blob larger than ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The storage (a full disk, the server user's disk quota) has no room: nothing was stored. */
export class StorageFullError extends Error {
  constructor(cause: unknown) {
    super('no space left to store the file', { cause });
    this.name = 'StorageFullError';
  }
}

/** `open` of an address the storage holds nothing at (never stored, or deleted). */
export class BlobMissingError extends Error {
  constructor(readonly sha256: string) {
    super(`no blob ${sha256}`);
    this.name = 'BlobMissingError';
  }
}
