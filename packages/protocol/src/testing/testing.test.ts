import { describe, expect, it } from 'vitest';
import { seededRandom } from './seededRandom.ts';
import { holdsWithin, until } from './until.ts';

describe('seededRandom', () => {
  it('replays the same numbers for the same seed, all in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const drawn = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(drawn);
    expect(drawn.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43).next()).not.toBe(drawn[0]);
  });

  it('keeps the mulberry32 sequence the tests were written with', () => {
    const random = seededRandom(1);
    expect([random.next(), random.next()]).toEqual([0.6270739405881613, 0.002735721180215478]);
  });

  it('picks from a list and refuses an empty one', () => {
    const random = seededRandom(7);
    expect(['a', 'b', 'c']).toContain(random.pick(['a', 'b', 'c']));
    expect(() => random.pick([])).toThrow();
  });
});

describe('until', () => {
  it('resolves once the condition holds, also an asynchronous one', async () => {
    let checks = 0;
    await until(() => ++checks >= 3, 'three checks');
    expect(checks).toBe(3);
    await until(() => Promise.resolve(true), 'an async condition');
  });

  it('rejects naming what it waited for once the deadline passed', async () => {
    await expect(until(() => false, 'the moon', 30)).rejects.toThrow(/the moon/);
  });
});

describe('holdsWithin', () => {
  it('answers true once the condition holds and false once the deadline passed, never throwing', async () => {
    let checks = 0;
    expect(await holdsWithin(() => ++checks >= 2, 20_000)).toBe(true);
    expect(await holdsWithin(() => false, 30)).toBe(false);
  });
});
