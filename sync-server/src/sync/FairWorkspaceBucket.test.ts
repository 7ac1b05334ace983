import { describe, expect, it } from 'vitest';
import { FairWorkspaceBucket, USE_MEMORY_MS } from './FairWorkspaceBucket.ts';

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

  it('forgets a connection that went quiet', () => {
    const bucket = new FairWorkspaceBucket({ burst: 8, perSecond: 1 }, 0);
    const flooder = {};
    drain(bucket, flooder, 0);
    expect(bucket.overShare(flooder, 0)).toBe(true);
    expect(bucket.overShare(flooder, 5 * USE_MEMORY_MS)).toBe(false);
  });
});
