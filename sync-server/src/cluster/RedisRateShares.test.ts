import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { UpdateRate } from '../billing/plans.ts';
import { UpdateRateLimiter } from '../sync/UpdateRateLimiter.ts';
import {
  describeWithRedis,
  startRedisServer,
  testKeyPrefix,
  testRedisUrl,
  type RedisServerProcess,
} from '../testing/scaleOutParts.ts';
import { RedisRateShares } from './RedisRateShares.ts';

/** A workspace's plan rate of 10 updates/s (burst 20); connections far above it. */
const rate: UpdateRate = {
  perConnection: { burst: 1_000, perSecond: 1_000 },
  perWorkspace: { burst: 20, perSecond: 10 },
};

await describeWithRedis(
  'RedisRateShares (issue 19: plan rates across processes)',
  { ownServer: true },
  () => {
    let prefix: string;
    /** The processes' one clock, stepped by the test (ms since the epoch). */
    let clock: number;
    const opened: RedisRateShares[] = [];
    const ownServers: RedisServerProcess[] = [];

    const process = (id: string, url = testRedisUrl!) => {
      const shares = new RedisRateShares({
        url,
        prefix,
        processId: id,
        now: () => clock,
        periodMs: 1000,
      });
      opened.push(shares);
      return shares;
    };

    /** `a` and `b` both asking 10/s of `ws1`, each told of the other: half each. */
    const halves = async (a: RedisRateShares, b: RedisRateShares) => {
      a.demand('ws1', 10);
      b.demand('ws1', 10);
      clock += 1000;
      await a.refresh();
      await b.refresh();
      a.demand('ws1', 10);
      await a.refresh();
      expect(a.share('ws1')).toBeCloseTo(0.5);
      expect(b.share('ws1')).toBeCloseTo(0.5);
    };

    beforeEach(() => {
      prefix = testKeyPrefix();
      clock = Date.now();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      for (const server of ownServers.splice(0)) await server.dispose();
      const redis = new Redis(testRedisUrl!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('splits a key between the processes by what each was asked, adding up to one', async () => {
      const a = process('a');
      const b = process('b');
      a.demand('ws1', 30);
      b.demand('ws1', 10);
      clock += 1000;
      await a.refresh(); // tells 30/s; nobody else has told yet: whole
      expect(a.share('ws1')).toBe(1);
      await b.refresh(); // tells 10/s, hears a's 30
      expect(b.share('ws1')).toBeCloseTo(0.25);
      a.demand('ws1', 30);
      clock += 1000;
      await a.refresh();
      expect(a.share('ws1')).toBeCloseTo(0.75);
      expect(a.share('ws1') + b.share('ws1')).toBeCloseTo(1);
      // Another key is nobody else's business: whole.
      expect(a.share('ws2')).toBe(1);
    });

    it('gives the whole rate back once the others stop asking or die', async () => {
      const a = process('a');
      const b = process('b');
      await halves(a, b);

      // b stops writing and says so at its next refresh: a's next refresh finds nobody else.
      clock += 1000;
      await b.refresh();
      a.demand('ws1', 10);
      await a.refresh();
      expect(a.share('ws1')).toBe(1);

      // b writes again, then dies without a word: its demand ages out after staleMs (3 s).
      b.demand('ws1', 10);
      clock += 1000;
      await b.refresh();
      a.demand('ws1', 10);
      await a.refresh();
      expect(a.share('ws1')).toBeCloseTo(0.5);
      for (let second = 0; second < 3; second++) {
        clock += 1000;
        a.demand('ws1', 10);
        await a.refresh();
      }
      expect(a.share('ws1')).toBe(1);
    });

    it('one process back after a pause gets an even part until it has told its demand', async () => {
      const a = process('a');
      const b = process('b');
      const c = process('c');
      for (const p of [a, b, c]) p.demand('ws1', 10);
      clock += 1000;
      for (const p of [a, b, c]) await p.refresh();
      a.demand('ws1', 10);
      await a.refresh();
      expect(a.share('ws1')).toBeCloseTo(1 / 3);
      // a pauses a period (asks nothing): it keeps an even part of the others' two, not none.
      clock += 1000;
      for (const p of [b, c]) p.demand('ws1', 10);
      await b.refresh();
      await c.refresh();
      await a.refresh();
      expect(a.share('ws1')).toBeCloseTo(1 / 3);
    });

    it("two processes' limiters together keep to the workspace's plan rate (each alone would take all of it)", async () => {
      const a = process('a');
      const b = process('b');
      const limiters = [
        new UpdateRateLimiter(() => clock, a),
        new UpdateRateLimiter(() => clock, b),
      ];
      const sockets = [{}, {}];
      const admittedAfterWarmUp = [0, 0];
      // Both processes' writers ask 50 updates/s for 20 s (a try every 20 ms each), every
      // process refreshing its shares once a second; the first 2 s are the warm-up in which
      // they learn of each other.
      for (let tick = 1; tick <= 1000; tick++) {
        clock += 20;
        for (const p of [0, 1]) {
          const admitted = limiters[p]!.admit(sockets[p]!, 'ws1', rate) === null;
          if (admitted && tick > 100) admittedAfterWarmUp[p]!++;
        }
        if (tick % 50 === 0) {
          await a.refresh();
          await b.refresh();
        }
      }
      const total = admittedAfterWarmUp[0]! + admittedAfterWarmUp[1]!;
      // 18 s at 10/s is 180; with the burst of one refill's worth, at most 200. Without
      // shares each process would admit its own 180 (360 together).
      expect(total).toBeLessThanOrEqual(200);
      expect(total).toBeGreaterThanOrEqual(170);
      // Neither is starved: both asked the same, both get about half.
      for (const count of admittedAfterWarmUp) expect(count).toBeGreaterThanOrEqual(75);
    });

    it('goes back to the whole rate when Redis cannot be reached, and refuses nothing for it', async () => {
      const server = await startRedisServer({ persistent: false });
      ownServers.push(server);
      const a = process('a', server.url);
      const b = process('b', server.url);
      await halves(a, b);

      await server.kill();
      // Within staleMs the last shares hold (a blip changes nothing)…
      clock += 1000;
      a.demand('ws1', 10);
      await expect(a.refresh()).rejects.toThrow();
      expect(a.share('ws1')).toBeCloseTo(0.5);
      // …after it every share is whole: each process limits as a lone process does.
      clock += 3000;
      a.demand('ws1', 10);
      await expect(a.refresh()).rejects.toThrow();
      expect(a.share('ws1')).toBe(1);

      // Redis back: the split is learnt again, once each client has reconnected (ioredis
      // retries with a growing delay; a refresh meanwhile fails and is tried again).
      await server.start();
      const reconnected = async (shares: RedisRateShares) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await shares.refresh();
          } catch (err) {
            if (attempt >= 50) throw err;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      clock += 1000;
      await reconnected(b);
      await reconnected(a);
      // Two rounds: in the first each hears the other's demand averaged over the outage.
      for (let round = 0; round < 2; round++) {
        clock += 1000;
        for (const p of [a, b]) p.demand('ws1', 10);
        await b.refresh();
        await a.refresh();
      }
      expect(a.share('ws1')).toBeCloseTo(0.5);
      expect(b.share('ws1')).toBeCloseTo(0.5);
    });
  },
);
