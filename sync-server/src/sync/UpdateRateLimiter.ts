import type { UpdateRate } from '../billing/plans.ts';
import { FairWorkspaceBucket } from './FairWorkspaceBucket.ts';
import { TokenBucket } from './TokenBucket.ts';

/** Workspaces' buckets kept before full ones are dropped (they hold nothing). */
const PRUNE_AT = 10_000;

/**
 * The update rate per connection and per workspace (SPEC.md, LIMIT-9): one token of each
 * bucket per client update, taken only when both have one, so an update refused by one
 * bucket costs nothing in the other. The workspace's bucket is shared fairly: a connection
 * over its fair share cannot take its reserve (FairWorkspaceBucket), so one flooding
 * connection does not starve the others of its workspace. Checked by UpdatePipeline's admission, the one point
 * every client write of both endpoints goes through. The clock is injected (tests step it).
 */
export class UpdateRateLimiter {
  readonly #connections = new WeakMap<object, TokenBucket>();
  /**
   * A small stand-in per connection for the workspace buckets, which remember a writer's
   * recent use for `USE_MEMORY_MS` after it is gone (and iterate over it, so they cannot
   * hold it weakly): keyed by the connection itself they kept every closed socket — its
   * buffers and subscriptions — alive that long (the fuzz run's RSS rose ~8 MiB per 10,000
   * frames).
   */
  readonly #writers = new WeakMap<object, object>();
  readonly #workspaces = new Map<string, FairWorkspaceBucket>();
  /** Chat messages per member of a workspace (`<workspaceId> NUL <userId>`). */
  readonly #messages = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number) {}

  /**
   * Admits one update of `connection` to `workspaceId` under `rate`: null when admitted (a
   * token of each bucket taken), otherwise the wait in ms before one would be.
   */
  admit(connection: object, workspaceId: string, rate: UpdateRate): number | null {
    const now = this.now();
    let own = this.#connections.get(connection);
    if (!own || own.limit !== rate.perConnection) {
      own = new TokenBucket(rate.perConnection, now);
      this.#connections.set(connection, own);
    }
    let shared = this.#workspaces.get(workspaceId);
    if (!shared || shared.limit !== rate.perWorkspace) {
      if (!shared && this.#workspaces.size >= PRUNE_AT) this.#prune(now);
      shared = new FairWorkspaceBucket(rate.perWorkspace, now);
      this.#workspaces.set(workspaceId, shared);
    }
    let writer = this.#writers.get(connection);
    if (!writer) {
      writer = {};
      this.#writers.set(connection, writer);
    }
    const wait = Math.max(own.waitMs(now), shared.waitMs(writer, now));
    if (wait > 0) return wait;
    own.take();
    shared.take(writer, now);
    return null;
  }

  /**
   * Admits `count` new chat messages of `userId` in `workspaceId` at `perMinute` (SPEC.md,
   * LIMIT-10): null when admitted (all taken), otherwise the wait in ms until all would be.
   * A batch larger than the whole bucket waits for a full one and is then taken whole.
   */
  admitMessages(
    workspaceId: string,
    userId: string,
    count: number,
    perMinute: number,
  ): number | null {
    if (count === 0) return null;
    const now = this.now();
    const key = `${workspaceId}\u0000${userId}`;
    let bucket = this.#messages.get(key);
    if (!bucket || bucket.limit.burst !== perMinute) {
      if (!bucket && this.#messages.size >= PRUNE_AT) prune(this.#messages, now);
      bucket = new TokenBucket({ burst: perMinute, perSecond: perMinute / 60 }, now);
      this.#messages.set(key, bucket);
    }
    const need = Math.min(count, perMinute);
    const missing = need - bucket.available(now);
    if (missing > 1e-9) return Math.ceil((missing * 60_000) / perMinute - 1e-9);
    for (let i = 0; i < count; i++) bucket.take();
    return null;
  }

  #prune(now: number): void {
    prune(this.#workspaces, now);
  }
}

function prune(buckets: Map<string, { full(now: number): boolean }>, now: number): void {
  for (const [key, bucket] of buckets) if (bucket.full(now)) buckets.delete(key);
}
