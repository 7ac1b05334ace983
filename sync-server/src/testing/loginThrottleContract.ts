import { ErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { loginKeys, type AsyncLoginThrottle, type Backoff } from '../auth/LoginThrottle.ts';
import { AppError } from '../http/AppError.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

const backoff: Backoff = { freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 };
const key = (name: string) => ({ key: name, backoff });

async function refusal(attempt: Promise<unknown>): Promise<AppError> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof AppError) return error;
  throw error ?? new Error('expected the throttle to refuse');
}

/**
 * What every LoginThrottle does, on SQLite (wrapped or on the seam) and on PostgreSQL: free
 * failures then a doubling delay per key, a success uncounted, an account forgotten after a
 * reset — and a burst of guesses over two processes counting itself exactly.
 */
export function describeLoginThrottleContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncLoginThrottle>>,
): void {
  describe(`LoginThrottle on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const keysLeft = async () =>
        (await fixture.db.sql.all<{ key: string }>('SELECT key FROM rate_limit_hits'))
          .map((r) => r.key)
          .sort();
      return { ...fixture, throttle: fixture.store, keysLeft };
    };

    it('lets the free failures through, then refuses until the doubling delay has passed', async () => {
      const { throttle, clock } = await setup();
      for (let i = 0; i < 3; i += 1) await throttle.begin([key('k')]);
      const waits: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const error = await refusal(throttle.begin([key('k')]));
        expect([error.code, error.status]).toEqual([ErrorCode.rateLimited, 429]);
        waits.push(error.extra.retryAfter!);
        clock.now += error.extra.retryAfter! * 1000;
        await throttle.begin([key('k')]);
      }
      expect(waits).toEqual([1, 2, 4, 8]);
      expect((await refusal(throttle.begin([key('k')]))).extra.retryAfter).toBe(8);
    });

    it('waits for the longest delay among the keys, keeps keys apart, and counts no refusal', async () => {
      const { throttle, clock, keysLeft } = await setup();
      for (let i = 0; i < 3; i += 1) await throttle.begin([key('a')]);
      clock.now += 1000;
      await throttle.begin([key('a')]);
      expect((await refusal(throttle.begin([key('b'), key('a')]))).extra.retryAfter).toBe(2);
      await throttle.begin([key('b')]);
      expect(await keysLeft()).toEqual(['a', 'a', 'a', 'a', 'b']);
    });

    it('uncounts a successful attempt and clears the keys it is told to', async () => {
      const { throttle, keysLeft } = await setup();
      await throttle.begin([key('mine'), key('shared')]);
      const attempt = await throttle.begin([key('mine'), key('shared')]);
      await throttle.succeeded(attempt, ['mine']);
      expect(await keysLeft()).toEqual(['shared']);
    });

    it('forgets failures once they leave the window', async () => {
      const { throttle, clock } = await setup();
      for (let i = 0; i < 5; i += 1) {
        clock.now += 10_000;
        await throttle.begin([key('k')]);
      }
      clock.now += 60_000;
      await expect(throttle.begin([key('k')])).resolves.toBeDefined();
    });

    it("forgets an account's failures from every address and device, and no other account's", async () => {
      const { throttle, keysLeft } = await setup();
      const email = 'a@b.co';
      for (const name of [
        loginKeys.account(email),
        loginKeys.accountFromAddress(email, '10.0.0.1'),
        loginKeys.accountFromAddress(email, '::1'),
        loginKeys.device('dev1'),
        loginKeys.account('a@b.com'),
        loginKeys.accountFromAddress('a@b.com', '10.0.0.1'),
        loginKeys.address('10.0.0.1'),
      ]) {
        await throttle.begin([key(name)]);
      }
      await throttle.forgetAccount(email, ['dev1']);
      expect(await keysLeft()).toEqual(
        [
          loginKeys.account('a@b.com'),
          loginKeys.accountFromAddress('a@b.com', '10.0.0.1'),
          loginKeys.address('10.0.0.1'),
        ].sort(),
      );
    });

    it('admits exactly the free attempts of a burst spread over two processes', async () => {
      const { throttle, another } = await setup();
      const other = await another();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? throttle : other).begin([key('k'), key('other')]).then(
            () => true,
            (error: unknown) => {
              if (error instanceof AppError) return false;
              throw error;
            },
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(3);
    });
  });
}
