import { ErrorCode } from '@desk/protocol';
import type { SqliteDatabase } from '../../db/Database.ts';
import { AppError } from '../AppError.ts';

export interface RateLimit {
  /** Attempts allowed within the window. */
  readonly limit: number;
  /** Length of the sliding window, in milliseconds. */
  readonly windowMs: number;
}

/**
 * The longest window a limit may use. Rows older than this are swept by `sweep()`, which
 * also removes keys never seen again (an attacker spraying random emails).
 * @default 7 days
 */
export const RATE_LIMIT_MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * A sliding-window limiter kept outside the process, so a restart does not hand an attacker
 * a fresh budget and, in a cluster, every process counts against the same window: an
 * attempt is refused when `limit` attempts of the same key fall within the last `windowMs`.
 * SQLite's (`SqliteRateLimiter`, one database) and Redis's (`RedisRateLimiter`, several
 * processes) keep the same contract (testing/rateLimiterContract.ts).
 */
export interface RateLimiter {
  /**
   * Counts one attempt under `key`, or rejects with AppError `rate_limited` (429) with
   * `retryAfter` in whole seconds (the error handler sends it as Retry-After).
   */
  consume(key: string, limit: RateLimit): Promise<void>;
  /** Deletes every attempt older than the longest window; returns how many. */
  sweep(): Promise<number>;
  /** Forgets the attempts under `key` (e.g. an account's failed logins after a reset). */
  reset(key: string): Promise<void>;
}

/** The refusal of an attempt over the limit, when the oldest counted one (`oldest`) frees up. */
export function rateLimited(oldest: number, windowMs: number, now: number): AppError {
  const retryAfter = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  return new AppError(
    ErrorCode.rateLimited,
    429,
    `Too many attempts. Try again in ${describeSeconds(retryAfter)}.`,
    { retryAfter },
  );
}

/** A window the sweep would cut short is a programming error, refused before counting. */
export function checkWindow({ windowMs }: RateLimit): void {
  if (windowMs > RATE_LIMIT_MAX_WINDOW_MS) {
    throw new Error(`rate limit window of ${windowMs} ms exceeds RATE_LIMIT_MAX_WINDOW_MS`);
  }
}

/**
 * The limiter in SQLite: each counted attempt is one row; old rows of a key are deleted as
 * it is used, so the table stays the size of the recent traffic (table `rate_limit_hits`).
 */
export class SqliteRateLimiter implements RateLimiter {
  readonly #prune;
  readonly #count;
  readonly #insert;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.#prune = db.prepare('DELETE FROM rate_limit_hits WHERE key = ? AND at <= ?');
    this.#count = db.prepare(
      'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_limit_hits WHERE key = ? AND at > ?',
    );
    this.#insert = db.prepare('INSERT INTO rate_limit_hits (key, at) VALUES (?, ?)');
  }

  consume(key: string, limit: RateLimit): Promise<void> {
    try {
      this.#consume(key, limit);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #consume(key: string, rateLimit: RateLimit): void {
    checkWindow(rateLimit);
    const { limit, windowMs } = rateLimit;
    const now = this.now();
    const since = now - windowMs;
    // Immediate: two concurrent attempts must not both see room for one more.
    this.db
      .transaction(() => {
        this.#prune.run(key, since);
        const { n, oldest } = this.#count.get(key, since) as { n: number; oldest: number | null };
        if (n >= limit && oldest !== null) throw rateLimited(oldest, windowMs, now);
        this.#insert.run(key, now);
      })
      .immediate();
  }

  sweep(): Promise<number> {
    return Promise.resolve(
      this.db
        .prepare('DELETE FROM rate_limit_hits WHERE at <= ?')
        .run(this.now() - RATE_LIMIT_MAX_WINDOW_MS).changes,
    );
  }

  reset(key: string): Promise<void> {
    this.db.prepare('DELETE FROM rate_limit_hits WHERE key = ?').run(key);
    return Promise.resolve();
  }
}

/** "45 seconds", "3 minutes": a wait in words for a 429's message. */
export function describeSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
