import { describe, expect, it } from 'vitest';
import { Backoff } from './Backoff.ts';

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('Backoff', () => {
  it('doubles the ceiling per attempt and caps it', () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, minMs: 100, random: () => 1 });
    const delays = Array.from({ length: 8 }, () => backoff.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('never waits less than the minimum', () => {
    const backoff = new Backoff({ baseMs: 1000, minMs: 100, random: () => 0 });
    expect(Array.from({ length: 5 }, () => backoff.next())).toEqual([100, 100, 100, 100, 100]);
  });

  it('spreads clients over the whole window (full jitter)', () => {
    const randoms = [0.1, 0.5, 0.9];
    const delays = randoms.map((r) =>
      new Backoff({ baseMs: 1000, minMs: 0, random: () => r }).next(),
    );
    expect(delays).toEqual([100, 500, 900]);
  });

  it('stays within [min, cap] for any random value, even after many attempts', () => {
    const backoff = new Backoff({
      baseMs: 500,
      maxMs: 30_000,
      minMs: 100,
      random: sequence([0, 0.3, 0.999999, 0.5]),
    });
    for (let i = 0; i < 200; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });

  it('starts from the base again after a reset', () => {
    const backoff = new Backoff({ baseMs: 1000, random: () => 1 });
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});
