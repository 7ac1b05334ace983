import { Redis } from 'ioredis';
import type { RateShares } from '../sync/RateShares.ts';

export interface RedisRateSharesOptions {
  readonly url: string;
  /** Prepended to every key (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /** This process among the cluster's (a field of every shared key). */
  readonly processId: string;
  /** Milliseconds since the epoch; the processes' clocks agree (as for the leases). */
  readonly now: () => number;
  /**
   * How often the process tells its demand and learns the others' (`start`).
   * @default 1000
   */
  readonly periodMs?: number;
  /**
   * A process's demand older than this no longer counts (it stopped writing, or died); and a
   * process that could not reach Redis for this long goes back to the whole rate.
   * @default 3 × periodMs
   */
  readonly staleMs?: number;
}

/** One key's entries: process id → `<demand per second>:<time told>`. */
type Told = Record<string, string>;

/**
 * The shares of a cluster's processes in each workspace's update rate and each member's
 * chat messages (issue 19): a coarse split of the plan's rate, learnt once a period in the
 * background, so admission never waits for Redis.
 *
 * Every period each process writes, for each key it was asked for, its demand (tokens asked
 * per second since the last period) into the key's hash in Redis, and reads the others'.
 * Its share is its part of the demand told within `staleMs`: the processes' shares of a key
 * add up to one, so the cluster together spends the plan's rate, and a process whose
 * writers ask more gets more. A process alone on a key (or whose peers went quiet) gets the
 * whole rate. One that starts writing where others already are spends the whole rate
 * until its next refresh, and the others theirs until they hear of it: so for about a
 * period after a process joins a key's writers, the cluster may spend up to one more
 * plan's rate, never more for longer. One that paused and writes again gets an even part
 * until it has told its demand. If Redis cannot be reached for `staleMs`, every share returns to the
 * whole rate: each process then limits as one process does, and nothing is refused
 * because Redis is away.
 */
export class RedisRateShares implements RateShares {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #processId: string;
  readonly #now: () => number;
  readonly #periodMs: number;
  readonly #staleMs: number;
  /** Tokens asked per key since the last refresh. */
  #asked = new Map<string, number>();
  /** Keys whose share is below one, with it; a key not here has the whole rate. */
  readonly #shares = new Map<string, number>();
  #lastRefreshAt: number;
  #lastToldAt: number;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(options: RedisRateSharesOptions) {
    this.#prefix = options.prefix;
    this.#processId = options.processId;
    this.#now = options.now;
    this.#periodMs = options.periodMs ?? 1000;
    this.#staleMs = options.staleMs ?? 3 * this.#periodMs;
    // A command waits at most a period: a refresh that cannot reach Redis fails, and the
    // next one tries again.
    this.#redis = new Redis(options.url, {
      commandTimeout: this.#periodMs,
      maxRetriesPerRequest: 1,
    });
    // ioredis reconnects by itself; a refresh meanwhile fails and is tried again.
    this.#redis.on('error', () => undefined);
    this.#lastRefreshAt = this.#now();
    this.#lastToldAt = this.#lastRefreshAt;
  }

  share(key: string): number {
    return this.#shares.get(key) ?? 1;
  }

  demand(key: string, tokens: number): void {
    this.#asked.set(key, (this.#asked.get(key) ?? 0) + tokens);
  }

  /** Refreshes every period until `close`. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#refreshing) return;
      this.#refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.#refreshing = null;
        });
    }, this.#periodMs);
    this.#timer.unref();
  }

  /**
   * Tells Redis this process's demand on every key it was asked for since the last refresh
   * (and on every key it holds a part of, so that a share goes back to whole when the
   * others stop), and learns its shares from what the others told. Rejects when Redis
   * cannot be reached; after `staleMs` of that, every share is whole again.
   */
  async refresh(): Promise<void> {
    const now = this.#now();
    // At least a period: a refresh called early (a test, a restart of the timer) must not
    // read a few tokens asked as a flood.
    const seconds = Math.max(this.#periodMs, now - this.#lastRefreshAt) / 1000;
    const asked = this.#asked;
    this.#asked = new Map();
    const keys = new Set([...asked.keys(), ...this.#shares.keys()]);
    if (keys.size === 0) {
      this.#lastRefreshAt = now;
      this.#lastToldAt = now;
      return;
    }
    const own = new Map<string, number>();
    const pipeline = this.#redis.pipeline();
    for (const key of keys) {
      const perSecond = (asked.get(key) ?? 0) / seconds;
      own.set(key, perSecond);
      const hash = this.#key(key);
      if (perSecond > 0) {
        pipeline.hset(hash, this.#processId, `${perSecond}:${now}`);
        // The whole hash goes when nobody tells it anything for a while.
        pipeline.pexpire(hash, this.#staleMs * 2);
      } else {
        pipeline.hdel(hash, this.#processId);
      }
      pipeline.hgetall(hash);
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
      if (!replies) throw new Error('Redis closed the rate shares pipeline');
      // A pipeline resolves with each command's error (Redis away: all of them).
      const failed = replies.find(([err]) => err !== null);
      if (failed) throw failed[0];
    } catch (err) {
      // Not told: what was asked stays to be told next time, over the whole time since.
      for (const [key, tokens] of asked) this.demand(key, tokens);
      if (this.#now() - this.#lastToldAt >= this.#staleMs) this.#shares.clear();
      throw err;
    }
    this.#lastRefreshAt = now;
    this.#lastToldAt = now;
    let i = 0;
    for (const key of keys) {
      i++; // hset or hdel
      if ((own.get(key) ?? 0) > 0) i++; // pexpire
      const told = replies[i++]?.[1];
      if (!told) continue;
      this.#learn(key, own.get(key) ?? 0, told as Told, now);
    }
  }

  /** Stops refreshing and closes the connection (this process's demand ages out). */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#refreshing;
    await this.#redis.quit().catch(() => undefined);
    this.#redis.disconnect();
  }

  #learn(key: string, ownPerSecond: number, told: Told, now: number): void {
    let others = 0;
    let othersDemand = 0;
    for (const [processId, entry] of Object.entries(told)) {
      if (processId === this.#processId) continue;
      const [perSecond, at] = entry.split(':').map(Number);
      if (!(perSecond! > 0) || !(now - at! < this.#staleMs)) continue;
      others++;
      othersDemand += perSecond!;
    }
    if (others === 0) this.#shares.delete(key);
    else if (ownPerSecond === 0) this.#shares.set(key, 1 / (others + 1));
    else this.#shares.set(key, ownPerSecond / (ownPerSecond + othersDemand));
  }

  #key(key: string): string {
    return `${this.#prefix}rateshare:${key}`;
  }
}
