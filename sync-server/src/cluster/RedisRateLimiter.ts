import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import {
  checkWindow,
  rateLimited,
  type RateLimit,
  type RateLimiter,
} from '../http/rateLimit/index.ts';

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Prepended to every key (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /**
   * Milliseconds since the epoch. The processes' clocks (NTP-synchronised) place attempts
   * in the window, as SQLite's limiter does with its process's clock.
   */
  readonly now: () => number;
}

/**
 * One key's window, atomically (a Lua script runs alone on the server): attempts that left
 * the window dropped, the rest counted, the attempt added if there is room. Returns
 * `{1}` when counted, `{0, oldest}` when refused. The key expires a window after its latest
 * attempt, so keys never seen again (a spray of random emails) go by themselves.
 */
const consumeScript = `
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, oldest[2]}
  end
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}`;

/**
 * The REST limiter of a cluster (issue 19): each key's attempts in a Redis sorted set
 * (score: the attempt's time), so every process counts against one window and two processes
 * admitting an attempt at once cannot both take the last place. The same contract as
 * `SqliteRateLimiter` (testing/rateLimiterContract.ts).
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(options: RedisRateLimiterOptions) {
    this.#prefix = options.prefix;
    this.#now = options.now;
    this.#redis = new Redis(options.url);
    // ioredis reconnects by itself; a command while Redis is away waits in its queue.
    this.#redis.on('error', () => undefined);
  }

  async consume(key: string, limit: RateLimit): Promise<void> {
    checkWindow(limit);
    const now = this.#now();
    const reply = (await this.#redis.eval(
      consumeScript,
      1,
      this.#key(key),
      now,
      limit.windowMs,
      limit.limit,
      // Unique: two attempts in the same millisecond are two members.
      `${now}:${crypto.randomUUID()}`,
    )) as [number, string?];
    if (reply[0] === 0) throw rateLimited(Number(reply[1]), limit.windowMs, now);
  }

  /** Nothing to do: a key expires one window after its latest attempt. */
  sweep(): Promise<number> {
    return Promise.resolve(0);
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#key(key));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
    this.#redis.disconnect();
  }

  #key(key: string): string {
    return `${this.#prefix}ratelimit:${key}`;
  }
}
