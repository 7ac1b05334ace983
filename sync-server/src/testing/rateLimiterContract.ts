import { ErrorCode } from '@desk/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../http/AppError.ts';
import { RATE_LIMIT_MAX_WINDOW_MS, type RateLimiter } from '../http/rateLimit/index.ts';

/** One storage of attempts (a database file, a Redis key prefix) that limiters share. */
export interface RateLimiterStorage {
  /**
   * A limiter on this storage with its own connection and clock: another process, or the
   * same one after a restart.
   */
  open(now: () => number): Promise<RateLimiter>;
  /** Closes every limiter opened and removes the storage. */
  close(): Promise<void>;
}

async function refusal(attempt: Promise<void>): Promise<AppError> {
  try {
    await attempt;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the limiter to refuse');
}

const limit = { limit: 3, windowMs: 60_000 };

/** What every RateLimiter does: SQLite's (one database) and Redis's (a cluster). */
export function describeRateLimiterContract(
  engine: string,
  storage: () => Promise<RateLimiterStorage>,
): void {
  describe(`RateLimiter on ${engine}`, () => {
    const opened: RateLimiterStorage[] = [];
    const open = async () => {
      const s = await storage();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('allows `limit` attempts in the window and refuses the next with rate_limited and retryAfter', async () => {
      let now = 1_000_000;
      const limiter = await (await open()).open(() => now);
      await limiter.consume('k', limit);
      now += 10_000;
      await limiter.consume('k', limit);
      await limiter.consume('k', limit);
      const error = await refusal(limiter.consume('k', limit));
      expect(error.code).toBe(ErrorCode.rateLimited);
      expect(error.status).toBe(429);
      // The oldest attempt leaves the window 50 s from now.
      expect(error.extra.retryAfter).toBe(50);
      // A refused attempt is not counted: the wait stays the same.
      now += 1_000;
      expect((await refusal(limiter.consume('k', limit))).extra.retryAfter).toBe(49);
    });

    it('slides: each attempt frees up when it leaves the window', async () => {
      let now = 0;
      const limiter = await (await open()).open(() => now);
      for (let i = 0; i < 3; i += 1) {
        await limiter.consume('k', limit);
        now += 20_000;
      }
      // now = 60 s: the first attempt (at 0) has just left the window.
      await limiter.consume('k', limit);
      await expect(limiter.consume('k', limit)).rejects.toThrow(AppError);
    });

    it('rounds the wait up to whole seconds, at least one', async () => {
      let now = 0;
      const limiter = await (await open()).open(() => now);
      await limiter.consume('k', { limit: 1, windowMs: 1_500 });
      now = 1_499;
      expect(
        (await refusal(limiter.consume('k', { limit: 1, windowMs: 1_500 }))).extra.retryAfter,
      ).toBe(1);
    });

    it('keeps keys apart', async () => {
      const limiter = await (await open()).open(() => 0);
      for (let i = 0; i < 3; i += 1) await limiter.consume('a', limit);
      await expect(limiter.consume('b', limit)).resolves.toBeUndefined();
    });

    it('holds across a restart and another process: the window lives outside the process', async () => {
      const s = await open();
      const before = await s.open(() => 5_000);
      for (let i = 0; i < 3; i += 1) await before.consume('login:account:a@example.com', limit);
      const after = await s.open(() => 6_000);
      expect(
        (await refusal(after.consume('login:account:a@example.com', limit))).extra.retryAfter,
      ).toBe(59);
    });

    it('forgets a key on reset', async () => {
      const limiter = await (await open()).open(() => 0);
      for (let i = 0; i < 3; i += 1) await limiter.consume('k', limit);
      await limiter.reset('k');
      await expect(limiter.consume('k', limit)).resolves.toBeUndefined();
    });

    it('after a sweep, a key whose attempts are older than the longest window starts afresh', async () => {
      let now = 0;
      const limiter = await (await open()).open(() => now);
      const week = { limit: 1, windowMs: RATE_LIMIT_MAX_WINDOW_MS };
      await limiter.consume('login:account:random@example.com', week);
      now = RATE_LIMIT_MAX_WINDOW_MS;
      await limiter.sweep();
      await expect(limiter.consume('login:account:random@example.com', week)).resolves.toBe(
        undefined,
      );
    });

    it('refuses a window longer than the sweep keeps', async () => {
      const limiter = await (await open()).open(() => 0);
      await expect(
        limiter.consume('k', { limit: 1, windowMs: RATE_LIMIT_MAX_WINDOW_MS + 1 }),
      ).rejects.toThrow(/exceeds/);
    });

    it('two limiters (two processes) hitting one key at once let exactly the limit through', async () => {
      const s = await open();
      const [a, b] = [await s.open(() => 1_000), await s.open(() => 1_000)];
      const race = { limit: 7, windowMs: 60_000 };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).consume('race', race)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7);
      for (const refused of outcomes.filter((o) => o.status === 'rejected')) {
        expect((refused.reason as AppError).code).toBe(ErrorCode.rateLimited);
      }
    });
  });
}
