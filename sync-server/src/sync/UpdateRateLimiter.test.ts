import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { plans, type UpdateRate } from '../billing/plans.ts';
import { UpdateRateLimiter } from './UpdateRateLimiter.ts';

const rate: UpdateRate = {
  perConnection: { burst: 3, perSecond: 10 },
  perWorkspace: { burst: 5, perSecond: 10 },
};

function limiter() {
  let now = 1_000_000;
  const l = new UpdateRateLimiter(() => now);
  return { l, advance: (ms: number) => (now += ms) };
}

describe('UpdateRateLimiter (SPEC LIMIT-9)', () => {
  it('does not keep a closed connection alive while its workspace remembers its use', () => {
    class Connection {
      readonly buffers = new Uint8Array(1024);
    }
    const { l } = limiter();
    // Fifty connections write once each and are gone (made and dropped in another frame).
    const writeOnceEach = () => {
      for (let i = 0; i < 50; i++) {
        expect(l.admit(new Connection(), 'ws', plans.business.updateRate)).toBeNull();
      }
    };
    writeOnceEach();
    // queryObjects collects garbage first: what is left is held by the limiter.
    expect(v8.queryObjects(Connection, { format: 'count' })).toBe(0);
  });

  it('LIMIT-9 admits a connection just under and at its burst, refuses just over with the wait', () => {
    const { l } = limiter();
    const c = {};
    expect(l.admit(c, 'ws', rate)).toBeNull();
    expect(l.admit(c, 'ws', rate)).toBeNull();
    expect(l.admit(c, 'ws', rate)).toBeNull(); // at the burst
    expect(l.admit(c, 'ws', rate)).toBe(100); // one token at 10/s
  });

  it('LIMIT-9 refills at the rate on the injected clock', () => {
    const { l, advance } = limiter();
    const c = {};
    for (let i = 0; i < 3; i++) expect(l.admit(c, 'ws', rate)).toBeNull();
    advance(99);
    expect(l.admit(c, 'ws', rate)).toBe(1);
    advance(1);
    expect(l.admit(c, 'ws', rate)).toBeNull();
    expect(l.admit(c, 'ws', rate)).toBe(100);
  });

  it('LIMIT-9 the workspace bucket is shared by its connections; a refusal costs no token', () => {
    const { l } = limiter();
    const [a, b] = [{}, {}];
    for (let i = 0; i < 3; i++) expect(l.admit(a, 'ws', rate)).toBeNull();
    expect(l.admit(a, 'ws', rate)).not.toBeNull(); // a's own bucket is empty
    expect(l.admit(b, 'ws', rate)).toBeNull(); // 4th of the workspace's 5
    expect(l.admit(b, 'ws', rate)).toBeNull(); // 5th: at the workspace burst
    expect(l.admit(b, 'ws', rate)).toBe(100); // just over
    expect(l.admit(b, 'other', rate)).toBeNull(); // another workspace has its own
  });

  it('LIMIT-9 one flooding connection does not starve a normal writer of its workspace', () => {
    const { l, advance } = limiter();
    const flooding: UpdateRate = {
      perConnection: { burst: 100, perSecond: 100 },
      perWorkspace: { burst: 8, perSecond: 1 },
    };
    const [flooder, writer] = [{}, {}];
    let refused = 0;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 50; i++) if (l.admit(flooder, 'ws', flooding) !== null) refused++;
      expect(l.admit(writer, 'ws', flooding)).toBeNull(); // one change every 10 s is taken
      advance(10_000);
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('every plan declares its update rate', () => {
    for (const plan of Object.values(plans)) {
      expect(plan.updateRate.perConnection.burst).toBeGreaterThan(0);
      expect(plan.updateRate.perWorkspace.perSecond).toBeGreaterThanOrEqual(
        plan.updateRate.perConnection.perSecond,
      );
    }
  });
});
