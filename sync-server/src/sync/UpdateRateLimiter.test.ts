import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { plans, type UpdateRate } from '../billing/plans.ts';
import type { RateShares } from './RateShares.ts';
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

/** Shares a test sets by hand, with what was asked of each key. */
class HandShares implements RateShares {
  readonly shares = new Map<string, number>();
  readonly asked = new Map<string, number>();
  share(key: string): number {
    return this.shares.get(key) ?? 1;
  }
  demand(key: string, tokens: number): void {
    this.asked.set(key, (this.asked.get(key) ?? 0) + tokens);
  }
}

describe('UpdateRateLimiter on a cluster (issue 19: the plan rate shared by processes)', () => {
  const wide: UpdateRate = {
    perConnection: { burst: 100, perSecond: 100 },
    perWorkspace: { burst: 8, perSecond: 10 },
  };

  function sharedLimiter() {
    let now = 1_000_000;
    const shares = new HandShares();
    const l = new UpdateRateLimiter(() => now, shares);
    return { l, shares, advance: (ms: number) => (now += ms) };
  }

  /** How many updates one connection gets through at once. */
  const drain = (l: UpdateRateLimiter, c: object, workspaceId = 'ws') => {
    let admitted = 0;
    while (l.admit(c, workspaceId, wide) === null) admitted++;
    return admitted;
  };

  it("spends only this process's share of the workspace's burst and rate", () => {
    const { l, shares, advance } = sharedLimiter();
    shares.shares.set('ws', 0.5);
    const c = {};
    // Half of 8 is 4, less the reserve of 1 a lone connection leaves (FairWorkspaceBucket).
    expect(drain(l, c)).toBe(3);
    advance(1000); // 5 tokens at half of 10/s: full again at 4
    expect(drain(l, c)).toBe(3);
    expect(drain(l, c, 'other')).toBe(6); // another workspace: whole (8, less its reserve 2)
  });

  it('a change of share rescales the bucket in place: no fresh burst', () => {
    const { l, shares } = sharedLimiter();
    const c = {};
    expect(drain(l, c)).toBe(6); // whole: 8, less the reserve of 2; 2 tokens left
    shares.shares.set('ws', 0.5);
    expect(drain(l, c)).toBe(1); // keeps its 2 (a fresh half bucket would let 3 through)
    shares.shares.set('ws', 1);
    expect(drain(l, c)).toBe(0); // keeps its 1 (a fresh whole bucket would let 6 through)
  });

  it("counts as the process's demand what the connection's own bucket lets through", () => {
    const { l, shares } = sharedLimiter();
    const tight: UpdateRate = {
      perConnection: { burst: 2, perSecond: 1 },
      perWorkspace: { burst: 100, perSecond: 100 },
    };
    const flooder = {};
    for (let i = 0; i < 10; i++) l.admit(flooder, 'ws', tight);
    // Two passed its own bucket; its other eight are its own excess, not the workspace's.
    expect(shares.asked.get('ws')).toBe(2);
  });

  it("a member's chat messages are shared the same way, keyed by workspace and member", () => {
    const { l, shares } = sharedLimiter();
    shares.shares.set('ws\u0000ana', 0.5);
    expect(l.admitMessages('ws', 'ana', 5, 10)).toBeNull(); // half of 10 a minute
    expect(l.admitMessages('ws', 'ana', 1, 10)).toBe(12_000); // one at 5 a minute
    expect(l.admitMessages('ws', 'ben', 10, 10)).toBeNull(); // ben's share is whole
    expect(shares.asked.get('ws\u0000ana')).toBe(6);
  });
});
