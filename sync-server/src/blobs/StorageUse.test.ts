import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { StorageUse } from './StorageUse.ts';

/** A quota store whose `used` answers when the test says, with what it holds then. */
function slowQuota(initial: number) {
  let held = initial;
  const waiting: (() => void)[] = [];
  return {
    set: (bytes: number) => (held = bytes),
    answer: () => waiting.splice(0).forEach((resolve) => resolve()),
    quota: {
      used: () => new Promise<number>((resolve) => waiting.push(() => resolve(held))),
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('StorageUse: what a workspace holds, asked synchronously on the write path', () => {
  it('reads at the authorization, then reads again after each ask (the next batch sees it)', async () => {
    const q = slowQuota(100);
    const use = new StorageUse(q.quota, createLogger('silent'));
    const limiting = use.limit('w1', 1000);
    q.answer();
    const limit = await limiting;
    expect(limit.quotaBytes).toBe(1000);
    expect(limit.used()).toBe(100);
    // An upload elsewhere; the ask above began a read that answers now.
    q.set(400);
    await settled();
    q.answer();
    await settled();
    expect(limit.used()).toBe(400);
  });

  it('counts what the engine stored at once, and on top of a read begun before it', async () => {
    const q = slowQuota(100);
    const use = new StorageUse(q.quota, createLogger('silent'));
    const limiting = use.limit('w1', 1000);
    q.answer();
    const limit = await limiting;
    limit.used(); // begins a read (after this turn's work)
    await settled();
    limit.stored!(50); // a batch committed while the read is out; the read saw 100
    expect(limit.used()).toBe(150);
    q.answer();
    await settled();
    expect(limit.used()).toBe(150);
  });

  it('is one per workspace: connections share what was stored', async () => {
    const q = slowQuota(0);
    const use = new StorageUse(q.quota, createLogger('silent'));
    const [a, b] = [use.limit('w1', 10), use.limit('w1', 10)];
    q.answer();
    const [first, second] = [await a, await b];
    first.stored!(7);
    expect(second.used()).toBe(7);
  });
});
