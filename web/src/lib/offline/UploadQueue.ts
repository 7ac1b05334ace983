import { openDatabase, request, transactionDone } from './idb.ts';
import { uploadsDbName } from './localKeys.ts';

const UPLOADS = 'uploads';

export type UploadState = 'queued' | 'uploading' | 'failed';

/** An attachment picked while offline: the bytes wait here until they can be uploaded. */
export interface QueuedUpload {
  /** The attachment id it will have in the ticket. */
  id: string;
  workspaceSlug: string;
  ticketId: string;
  file: Blob;
  name: string;
  type: string;
  size: number;
  uploadedBy: string;
  queuedAt: number;
  state: UploadState;
  /** Why the last attempt failed, in words (state `failed`). */
  error: string | null;
}

/** How an upload attempt ended: the server could not be reached, or it answered. */
export class UploadUnreachableError extends Error {
  constructor() {
    super('The server cannot be reached.');
    this.name = 'UploadUnreachableError';
  }
}

export interface FlushHooks {
  /** Items of other workspaces wait for their own workspace to be open. */
  accepts(item: QueuedUpload): boolean;
  /** Uploads the bytes; throws UploadUnreachableError when offline, another error when refused. */
  upload(item: QueuedUpload): Promise<void>;
}

/**
 * Attachments picked while offline (issue 7), kept in IndexedDB — the bytes and where they
 * belong — and uploaded in pick order when the connection is back. An upload the server
 * refuses (too large, workspace read-only) stays as `failed` with the reason, so the user
 * can see it and remove it; it is not retried in a loop.
 */
export class UploadQueue {
  readonly #db: Promise<IDBDatabase>;
  readonly #listeners = new Set<() => void>();
  #flushing: Promise<void> | null = null;

  constructor(userId: string) {
    this.#db = openDatabase(uploadsDbName(userId), [UPLOADS]);
  }

  /** Called after every change of the queue. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async enqueue(
    item: Omit<QueuedUpload, 'state' | 'error' | 'queuedAt'> & { queuedAt?: number },
  ): Promise<QueuedUpload> {
    const queued: QueuedUpload = {
      ...item,
      queuedAt: item.queuedAt ?? Date.now(),
      state: 'queued',
      error: null,
    };
    await this.#put(queued);
    return queued;
  }

  /** Every item, oldest first. */
  async list(): Promise<QueuedUpload[]> {
    const db = await this.#db;
    const items = (await request(
      db.transaction(UPLOADS, 'readonly').objectStore(UPLOADS).getAll(),
    )) as QueuedUpload[];
    return items.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async remove(id: string): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction(UPLOADS, 'readwrite');
    tx.objectStore(UPLOADS).delete(id);
    await transactionDone(tx);
    this.#changed();
  }

  /**
   * Uploads what is queued, one at a time, oldest first. Stops at the first "unreachable"
   * (the rest waits for the next flush); a refused item becomes `failed` and the rest goes
   * on. Concurrent calls share one run.
   */
  flush(hooks: FlushHooks): Promise<void> {
    this.#flushing ??= this.#flush(hooks).finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    (await this.#db).close();
  }

  async #flush(hooks: FlushHooks): Promise<void> {
    for (const item of await this.list()) {
      if (item.state === 'failed' || !hooks.accepts(item)) continue;
      await this.#put({ ...item, state: 'uploading' });
      try {
        await hooks.upload(item);
        await this.remove(item.id);
      } catch (error) {
        if (error instanceof UploadUnreachableError) {
          await this.#put({ ...item, state: 'queued' });
          return;
        }
        const reason = error instanceof Error ? error.message : 'The upload was refused.';
        await this.#put({ ...item, state: 'failed', error: reason });
      }
    }
  }

  async #put(item: QueuedUpload): Promise<void> {
    const db = await this.#db;
    const tx = db.transaction(UPLOADS, 'readwrite');
    tx.objectStore(UPLOADS).put(item, item.id);
    await transactionDone(tx);
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
