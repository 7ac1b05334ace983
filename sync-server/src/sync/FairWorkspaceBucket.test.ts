import { describe, expect, it } from 'vitest';
import { FairWorkspaceBucket, USE_MEMORY_MS } from './FairWorkspaceBucket.ts';
import { TokenBucket } from './TokenBucket.ts';

const limit = { burst: 20, perSecond: 10 };

/** Takes tokens for `connection` while it may; returns how many it took. */
function drain(bucket: FairWorkspaceBucket, connection: object, now: number): number {
  let taken = 0;
  while (bucket.waitMs(connection, now) === 0) {
    bucket.take(connection, now);
    taken++;
  }
  return taken;
}

describe('FairWorkspaceBucket (SPEC LIMIT-9, fair share)', () => {
  it('reserves a quarter of the burst, at least one token and never all of them', () => {
    expect(new FairWorkspaceBucket(limit, 0).reserve).toBe(5);
    expect(new FairWorkspaceBucket({ burst: 3, perSecond: 1 }, 0).reserve).toBe(1);
    expect(new FairWorkspaceBucket({ burst: 2, perSecond: 1 }, 0).reserve).toBe(1);
    expect(new FairWorkspaceBucket({ burst: 1, perSecond: 1 }, 0).reserve).toBe(0);
  });

  it('a flooder past its share stops at the reserve, which a normal writer then takes', () => {
    const bucket = new FairWorkspaceBucket(limit, 0);
    const [flooder, writer] = [{}, {}];
    // Alone, it is over its share (half, counting at least two) from its second token on:
    // it leaves the reserve.
    expect(drain(bucket, flooder, 0)).toBe(15);
    const later = 5 * USE_MEMORY_MS;
    // Refilled; the flooder's use decayed to 15/e⁵ ≈ 0.1, but it is still over half of all.
    expect(bucket.overShare(flooder, later)).toBe(true);
    let now = later;
    let floods = 0;
    let writes = 0;
    // Five minutes: the flooder tries every 10 ms, the writer once every 2 s.
    for (let tick = 1; tick <= 30_000; tick++) {
      now = later + tick * 10;
      floods += drain(bucket, flooder, now);
      if (tick % 200 === 0) {
        expect(bucket.waitMs(writer, now)).toBe(0);
        bucket.take(writer, now);
        writes++;
      }
    }
    expect(writes).toBe(150);
    expect(bucket.overShare(flooder, now)).toBe(true);
    expect(bucket.overShare(writer, now)).toBe(false);
    // The flooder had the rest: the rate, less the writer's, plus the burst once.
    expect(floods + writes).toBeGreaterThanOrEqual(300 * 10 + 20 - bucket.reserve - 1);
  });

  it('a connection over its share waits for the tokens above the reserve', () => {
    const bucket = new FairWorkspaceBucket({ burst: 8, perSecond: 1 }, 0);
    const flooder = {};
    expect(drain(bucket, flooder, 0)).toBe(6);
    expect(bucket.reserve).toBe(2);
    expect(bucket.waitMs(flooder, 0)).toBe(1000); // one token above the reserve
    expect(bucket.waitMs({}, 0)).toBe(0); // another connection takes the reserve
  });

  it('admits exactly when the tokens above its floor (the reserve if over its share) hold one', () => {
    // The share is worked out only when the bucket is down to the reserve; the answer must be
    // the rule's at every step of a mixed run (a flooder, a steady writer, a bursty one).
    const bucket = new FairWorkspaceBucket({ burst: 40, perSecond: 20 }, 0);
    const reference = new TokenBucket({ burst: 40, perSecond: 20 }, 0);
    const connections = [{}, {}, {}];
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    let admitted = 0;
    for (let step = 0; step < 5_000; step++) {
      const now = step * 7;
      const who = random() < 0.6 ? 0 : random() < 0.5 ? 1 : 2;
      const connection = connections[who]!;
      const floor = bucket.overShare(connection, now) ? bucket.reserve : 0;
      const expected = reference.waitMs(now, floor + 1);
      expect(bucket.waitMs(connection, now)).toBe(expected);
      if (expected === 0) {
        bucket.take(connection, now);
        reference.take();
        admitted++;
      }
    }
    expect(admitted).toBeGreaterThan(500);
  });

  it('forgets a connection that went quiet', () => {
    const bucket = new FairWorkspaceBucket({ burst: 8, perSecond: 1 }, 0);
    const flooder = {};
    drain(bucket, flooder, 0);
    expect(bucket.overShare(flooder, 0)).toBe(true);
    expect(bucket.overShare(flooder, 5 * USE_MEMORY_MS)).toBe(false);
  });
});
