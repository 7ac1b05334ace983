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
 * A sliding-window limiter kept in the database, so a restart does not hand an attacker a
 * fresh budget. Each counted attempt is one row; an attempt is refused when `limit` rows
 * of the same key fall within the last `windowMs`. Old rows of a key are deleted as it is
 * used, so the table stays the size of the recent traffic (table `rate_limit_hits`).
 */
export interface RateLimiter {
  /**
   * Counts one attempt under `key`, or throws AppError `rate_limited` (429) with
   * `retryAfter` in whole seconds (the error handler sends it as Retry-After).
   */
  consume(key: string, limit: RateLimit): void;
  /** Deletes every row older than the longest window; returns how many. */
  sweep(): number;
  /** Forgets the attempts under `key` (e.g. an account's failed logins after a reset). */
  reset(key: string): void;
}

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

  /**
   * Counts one attempt under `key`, or throws AppError `rate_limited` (429) with
   * `retryAfter` in whole seconds (the error handler sends it as Retry-After).
   */
  consume(key: string, { limit, windowMs }: RateLimit): void {
    if (windowMs > RATE_LIMIT_MAX_WINDOW_MS) {
      throw new Error(`rate limit window of ${windowMs} ms exceeds RATE_LIMIT_MAX_WINDOW_MS`);
    }
    const now = this.now();
    const since = now - windowMs;
    // Immediate: two concurrent attempts must not both see room for one more.
    this.db
      .transaction(() => {
        this.#prune.run(key, since);
        const { n, oldest } = this.#count.get(key, since) as { n: number; oldest: number | null };
        if (n >= limit && oldest !== null) {
          const retryAfter = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
          throw new AppError(
            ErrorCode.rateLimited,
            429,
            `Too many attempts. Try again in ${describeSeconds(retryAfter)}.`,
            { retryAfter },
          );
        }
        this.#insert.run(key, now);
      })
      .immediate();
  }

  /** Deletes every row older than the longest window; returns how many. */
  sweep(): number {
    return this.db
      .prepare('DELETE FROM rate_limit_hits WHERE at <= ?')
      .run(this.now() - RATE_LIMIT_MAX_WINDOW_MS).changes;
  }

  /** Forgets the attempts under `key` (e.g. an account's failed logins after a reset). */
  reset(key: string): void {
    this.db.prepare('DELETE FROM rate_limit_hits WHERE key = ?').run(key);
  }
}

/** "45 seconds", "3 minutes": a wait in words for a 429's message. */
export function describeSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
