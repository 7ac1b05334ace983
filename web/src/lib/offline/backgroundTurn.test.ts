import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackgroundTurn } from './backgroundTurn.ts';

describe('backgroundTurn', () => {
  let clock = 0;
  const target = new EventTarget();
  const type = () => target.dispatchEvent(new Event('keydown'));
  const turn = createBackgroundTurn({
    target,
    now: () => clock,
    idle: (run) => run(),
    quietMs: 400,
    maxWaitMs: 3000,
  });
  const advance = async (ms: number) => {
    clock += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 10_000;
  });
  afterEach(() => vi.useRealTimers());

  it('lets background work run after one macrotask when the user has not typed lately', async () => {
    let ran = false;
    void turn().then(() => (ran = true));
    await advance(0);
    expect(ran).toBe(true);
  });

  it('holds it while the user types, and runs it once typing paused for the quiet time', async () => {
    type();
    let ran = false;
    void turn().then(() => (ran = true));
    await advance(200);
    type();
    await advance(300);
    expect(ran).toBe(false); // 300 ms since the last key
    await advance(101);
    expect(ran).toBe(true);
  });

  it('runs it after the longest wait even while the user keeps typing', async () => {
    let ran = false;
    type();
    void turn().then(() => (ran = true));
    for (let t = 0; t < 2_900; t += 100) {
      await advance(100);
      type();
    }
    expect(ran).toBe(false);
    await advance(200);
    expect(ran).toBe(true);
  });
});
