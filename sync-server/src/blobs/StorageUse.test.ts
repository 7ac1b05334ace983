import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { NEAR_QUOTA_SHARE, STORAGE_USE_REFRESH_MS, StorageUse } from './StorageUse.ts';

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
  it('reads at the authorization, then again on an ask once the figure is old (the next batch sees it)', async () => {
    const q = slowQuota(100);
    let ms = 0;
    const use = new StorageUse(q.quota, createLogger('silent'), () => ms);
    const limiting = use.limit('w1', 1000);
    q.answer();
    const limit = await limiting;
    expect(limit.quotaBytes).toBe(1000);
    ms += STORAGE_USE_REFRESH_MS;
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
    let ms = 0;
    const use = new StorageUse(q.quota, createLogger('silent'), () => ms);
    const limiting = use.limit('w1', 1000);
    q.answer();
    const limit = await limiting;
    ms += STORAGE_USE_REFRESH_MS;
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

describe('StorageUse: how often the store is read again (issue 13: not once per batch)', () => {
  /** A quota store that answers at once and counts its reads. */
  function countingQuota(held: number) {
    const q = { held, reads: 0 };
    return {
      q,
      quota: {
        used: () => {
          q.reads++;
          return Promise.resolve(q.held);
        },
      },
    };
  }
  const clock = () => {
    let ms = 0;
    return { now: () => ms, advance: (by: number) => (ms += by) };
  };

  it('far from the quota, reads again at most once a second however many batches ask', async () => {
    const { q, quota } = countingQuota(100);
    const c = clock();
    const use = new StorageUse(quota, createLogger('silent'), c.now);
    const limit = await use.limit('w1', 1_000_000);
    expect(q.reads).toBe(1);
    for (let batch = 0; batch < 50; batch++) {
      limit.used();
      limit.stored!(10);
      await settled();
    }
    expect(q.reads).toBe(1);
    expect(limit.used()).toBe(600);
    // A second later the next ask reads what the store holds (another process wrote).
    q.held = 5_000;
    c.advance(STORAGE_USE_REFRESH_MS);
    limit.used();
    await settled();
    expect(q.reads).toBe(2);
    expect(limit.used()).toBe(5_000);
  });

  it('near the quota, reads again after every batch, so a shrink or another write counts at once', async () => {
    const { q, quota } = countingQuota(950);
    const c = clock();
    const use = new StorageUse(quota, createLogger('silent'), c.now);
    const limit = await use.limit('w1', 1_000);
    expect(1_000 * NEAR_QUOTA_SHARE).toBeLessThanOrEqual(950);
    limit.used();
    await settled();
    expect(q.reads).toBe(2);
    q.held = 400; // a compaction shrank the documents
    limit.used();
    await settled();
    expect(q.reads).toBe(3);
    expect(limit.used()).toBe(400);
  });

  it('an upload through the routes reads again at once, whatever the clock', async () => {
    const { q, quota } = countingQuota(0);
    const use = new StorageUse(quota, createLogger('silent'), () => 0);
    const limit = await use.limit('w1', 1_000_000);
    q.held = 20_000;
    use.changed('w1');
    await settled();
    expect(limit.used()).toBe(20_000);
  });
});
