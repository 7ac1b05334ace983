import type { RateLimit, UpdateRate } from '../billing/plans.ts';
import { FairWorkspaceBucket } from './FairWorkspaceBucket.ts';
import { wholeRates, type RateShares } from './RateShares.ts';
import { TokenBucket } from './TokenBucket.ts';

/** Workspaces' buckets kept before full ones are dropped (they hold nothing). */
const PRUNE_AT = 10_000;

/**
 * A bucket of a limit the cluster shares (RateShares), with what it was made from: the
 * plan's limit and the share it is scaled to.
 */
interface SharedBucket<B> {
  readonly bucket: B;
  readonly plan: RateLimit;
  share: number;
}

/**
 * The update rate per connection and per workspace (SPEC.md, LIMIT-9): one token of each
 * bucket per client update, taken only when both have one, so an update refused by one
 * bucket costs nothing in the other. The workspace's bucket is shared fairly: a connection
 * over its fair share cannot take its reserve (FairWorkspaceBucket), so one flooding
 * connection does not starve the others of its workspace. Checked by UpdatePipeline's admission, the one point
 * every client write of both endpoints goes through. The clock is injected (tests step it).
 *
 * On a cluster the workspace's rate and a member's messages are shared by the processes
 * (`shares`): each bucket runs at this process's share of the plan's rate and burst, and
 * reports what was asked of it. The per-connection bucket is whole: a socket lives on one
 * process.
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
  readonly #workspaces = new Map<string, SharedBucket<FairWorkspaceBucket>>();
  /** Chat messages per member of a workspace (`<workspaceId> NUL <userId>`). */
  readonly #messages = new Map<string, SharedBucket<TokenBucket>>();
  /** The message buckets' plan limits by messages per minute, one object each (identity). */
  readonly #messagePlans = new Map<number, RateLimit>();

  constructor(
    private readonly now: () => number,
    private readonly shares: RateShares = wholeRates,
  ) {}

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
    const shared = this.#shared(
      this.#workspaces,
      workspaceId,
      rate.perWorkspace,
      now,
      newWorkspaceBucket,
    );
    let writer = this.#writers.get(connection);
    if (!writer) {
      writer = {};
      this.#writers.set(connection, writer);
    }
    const ownWait = own.waitMs(now);
    // Only what the connection's own bucket lets through asks the workspace: a flooding
    // socket's excess is its own, not its process's demand on the cluster's rate.
    if (ownWait === 0) this.shares.demand(workspaceId, 1);
    const wait = Math.max(ownWait, shared.waitMs(writer, now));
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
    const plan = this.#messagePlans.get(perMinute) ?? {
      burst: perMinute,
      perSecond: perMinute / 60,
    };
    this.#messagePlans.set(perMinute, plan);
    const bucket = this.#shared(this.#messages, key, plan, now, newTokenBucket);
    this.shares.demand(key, count);
    // The whole batch, up to the bucket's (this process's share of the) burst.
    const need = Math.min(count, bucket.limit.burst);
    const missing = need - bucket.available(now);
    if (missing > 1e-9) return Math.ceil((missing * 1000) / bucket.limit.perSecond - 1e-9);
    for (let i = 0; i < count; i++) bucket.take();
    return null;
  }

  /**
   * `key`'s bucket at this process's share of `plan`: made at the first use (full), made
   * again when the plan changes, rescaled in place when the share does.
   */
  #shared<B extends { rescale(limit: RateLimit, now: number): void; full(now: number): boolean }>(
    buckets: Map<string, SharedBucket<B>>,
    key: string,
    plan: RateLimit,
    now: number,
    make: (limit: RateLimit, now: number) => B,
  ): B {
    const share = this.shares.share(key);
    const entry = buckets.get(key);
    if (entry && entry.plan === plan) {
      if (entry.share !== share) {
        entry.bucket.rescale(scaled(plan, share), now);
        entry.share = share;
      }
      return entry.bucket;
    }
    if (!entry && buckets.size >= PRUNE_AT) prune(buckets, now);
    const bucket = make(scaled(plan, share), now);
    buckets.set(key, { bucket, plan, share });
    return bucket;
  }
}

// Module-level, so that admission allocates no closure per update.
const newWorkspaceBucket = (limit: RateLimit, now: number) => new FairWorkspaceBucket(limit, now);
const newTokenBucket = (limit: RateLimit, now: number) => new TokenBucket(limit, now);

/** `plan` at `share` of its rate and burst; at least one token, or nothing would ever pass. */
function scaled(plan: RateLimit, share: number): RateLimit {
  if (share >= 1) return plan;
  return { burst: Math.max(1, plan.burst * share), perSecond: plan.perSecond * share };
}

function prune(
  buckets: Map<string, SharedBucket<{ full(now: number): boolean }>>,
  now: number,
): void {
  for (const [key, { bucket }] of buckets) if (bucket.full(now)) buckets.delete(key);
}
