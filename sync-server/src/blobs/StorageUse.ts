import type { Logger } from '../log/logger.ts';
import type { AsyncBlobQuota } from './BlobQuota.ts';

/**
 * A workspace's quota and what it holds, as the sync engine asks it (`StorageLimit`,
 * sync/SyncAuth.ts — written out here: sync/ imports blobs/, not the other way round).
 */
export interface KeptStorageLimit {
  readonly quotaBytes: number;
  used(): number;
  stored(bytes: number): void;
}

/** Workspaces whose use is kept; past it the map starts again (each is read again). */
const MAX_KEPT_WORKSPACES = 10_000;

/** A workspace's use is read again at most this often while it is far from its quota. */
export const STORAGE_USE_REFRESH_MS = 1_000;

/** From this share of its quota on, a workspace's use is read again after every batch. */
export const NEAR_QUOTA_SHARE = 0.9;

/**
 * What each workspace's storage holds, as the sync engine's write path asks it: synchronously,
 * once per workspace and batch (SPEC.md, LIMIT-12), while the store may be PostgreSQL's. Read
 * from the store (`AsyncBlobQuota.used`, three lookups) at every authorization, awaited, then
 * kept current per process without a round trip on the write path:
 *
 * - what the engine stored is added at once (`stored`, told by the pipeline after its commit),
 *   so a batch admitted before a read answers counts the one before it;
 * - an upload or a deletion through the routes of this process reads again (`changed`);
 * - an ask starts a read in the background (one at a time per workspace; one more after it
 *   when asked meanwhile) — once per second at most while the workspace is below 90 % of its
 *   quota, after every batch above it. The read is what sees other processes' writes and a
 *   compaction's shrinking; reading it for every batch cost a busy server about 6 % of its
 *   CPU (issue 13's fan-out profile), while far from the quota a second-old figure decides
 *   nothing. On SQLite the read runs once the batch in hand is stored (a microtask after the
 *   synchronous flush), so near the quota it is exact there, as the synchronous lookup was.
 *
 * A read's answer counts the bytes `stored` after it began on top, so a store that answers
 * later may count a batch twice until the next read: never less than held, the quota errs on
 * the side of refusing. Other processes' writes are seen at the next read.
 */
export class StorageUse {
  readonly #workspaces = new Map<string, WorkspaceUse>();

  constructor(
    private readonly quota: Pick<AsyncBlobQuota, 'used'>,
    private readonly log: Logger,
    /** A monotonic clock: the refresh saves CPU, it is not business time (tests' clocks). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The workspace's storage limit for an authorization: what it holds, read now. */
  async limit(workspaceId: string, quotaBytes: number): Promise<KeptStorageLimit> {
    const use = this.#use(workspaceId);
    use.quotaBytes = quotaBytes;
    await use.read();
    return { quotaBytes, used: () => use.used(), stored: (bytes) => use.stored(bytes) };
  }

  /** Something beside the engine changed the workspace's storage (an upload): read again. */
  changed(workspaceId: string): void {
    this.#workspaces.get(workspaceId)?.readSoon();
  }

  #use(workspaceId: string): WorkspaceUse {
    let use = this.#workspaces.get(workspaceId);
    if (!use) {
      if (this.#workspaces.size >= MAX_KEPT_WORKSPACES) this.#workspaces.clear();
      use = new WorkspaceUse(
        () => this.quota.used(workspaceId),
        (err) => this.log.error({ err, workspaceId }, 'storage use not read'),
        this.now,
      );
      this.#workspaces.set(workspaceId, use);
    }
    return use;
  }
}

class WorkspaceUse {
  #bytes = 0;
  /** Bytes the engine stored, ever: what a read that began earlier cannot have counted. */
  #stored = 0;
  /** Reads in order: an answer older than the one applied is dropped. */
  #begun = 0;
  #applied = 0;
  #reading = false;
  #again = false;

  /** When the last read began (the clock's milliseconds). */
  #readAt = -Infinity;
  /** The quota of the latest authorization. */
  quotaBytes = Infinity;

  constructor(
    private readonly readUsed: () => Promise<number>,
    private readonly failed: (err: unknown) => void,
    private readonly now: () => number,
  ) {}

  used(): number {
    this.#refresh();
    return this.#bytes;
  }

  stored(bytes: number): void {
    this.#stored += bytes;
    this.#bytes += bytes;
    this.#refresh();
  }

  /** Reads again if the figure may be old enough to matter (see StorageUse). */
  #refresh(): void {
    const near = this.#bytes >= this.quotaBytes * NEAR_QUOTA_SHARE;
    if (near || this.now() - this.#readAt >= STORAGE_USE_REFRESH_MS) this.readSoon();
  }

  /** Reads what the store holds now and keeps it (with what was stored since it began). */
  async read(): Promise<void> {
    this.#readAt = this.now();
    const read = ++this.#begun;
    const storedBefore = this.#stored;
    const used = await this.readUsed();
    if (read < this.#applied) return;
    this.#applied = read;
    this.#bytes = used + (this.#stored - storedBefore);
  }

  /** A read after the current turn's work (the batch being admitted is stored by then). */
  readSoon(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    queueMicrotask(() => {
      this.read()
        .catch(this.failed)
        .finally(() => {
          this.#reading = false;
          if (this.#again) {
            this.#again = false;
            this.readSoon();
          }
        });
    });
  }
}
