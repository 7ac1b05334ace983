import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeWithRedis, testKeyPrefix, testRedisUrl } from '../testing/scaleOutParts.ts';
import { RedisLeases } from './RedisLeases.ts';

const holderScript = fileURLToPath(new URL('../testing/leaseHolderProcess.ts', import.meta.url));
const serverDir = path.resolve(path.dirname(holderScript), '../..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await describeWithRedis('RedisLeases', { ownServer: false }, () => {
  let prefix: string;
  const opened: RedisLeases[] = [];
  const children: ChildProcess[] = [];
  const leases = (ttlMs: number) => {
    const made = new RedisLeases({ url: testRedisUrl!, prefix, ttlMs });
    opened.push(made);
    return made;
  };

  beforeEach(() => {
    prefix = testKeyPrefix();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await Promise.all(opened.splice(0).map((l) => l.close()));
    const redis = new Redis(testRedisUrl!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** A holder in a process of its own, which the test can kill -9. Resolves with its fence. */
  async function holderProcess(name: string, ttlMs: number) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', holderScript, testRedisUrl!, prefix, name, String(ttlMs)],
      { cwd: serverDir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    const match = /^held (\d+)$/.exec(line);
    if (!match) throw new Error(`The holder process said: ${line}`);
    return { child, fence: Number(match[1]) };
  }

  it('grants a name to exactly one of two processes racing for it', async () => {
    const [one, two] = [leases(10_000), leases(10_000)];
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? one : two).tryAcquire('compact:ws1:index'),
      ),
    );
    expect(attempts.filter((lease) => lease !== null)).toHaveLength(1);
    // Other names are free.
    expect(await two.tryAcquire('compact:ws1:other')).not.toBeNull();
  });

  it('keeps the lease with its holder while it renews, well past the TTL', async () => {
    const [holder, other] = [leases(300), leases(300)];
    const lease = (await holder.tryAcquire('outbox'))!;
    await sleep(1200); // four TTLs: only renewals keep it
    expect(await other.tryAcquire('outbox')).toBeNull();
    expect(lease.lost.aborted).toBe(false);
  });

  it('hands a killed holder’s work to another process once its TTL is over, with a higher fence', async () => {
    const ttlMs = 300;
    const { child, fence } = await holderProcess('backup', ttlMs);
    const survivor = leases(ttlMs);
    expect(await survivor.runOnce('backup', async () => undefined)).toBe('held elsewhere');

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const runs: number[] = [];
    await expect
      .poll(() => survivor.runOnce('backup', async (lease) => void runs.push(lease.fence)))
      .toBe('ran');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThan(fence);
  });

  it('grants fences above every earlier one after Redis lost the name’s counter', async () => {
    const [one, two] = [leases(10_000), leases(10_000)];
    const before = (await one.tryAcquire('compact:ws1:index'))!;
    // Redis restarted without its data: the lease and its counter are gone.
    const redis = new Redis(testRedisUrl!);
    await redis.del(`${prefix}lease:compact:ws1:index`, `${prefix}lease:compact:ws1:index:fence`);
    await redis.quit();
    const after = (await two.tryAcquire('compact:ws1:index'))!;
    expect(after.fence).toBeGreaterThan(before.fence);
    expect(Number.isSafeInteger(after.fence)).toBe(true);
  });

  it('releases the lease when the job is done or fails, so the next run can take it', async () => {
    const [one, two] = [leases(10_000), leases(10_000)];
    expect(await one.runOnce('snapshot:ws1', async () => undefined)).toBe('ran');
    await expect(
      two.runOnce('snapshot:ws1', async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await one.runOnce('snapshot:ws1', async () => undefined)).toBe('ran');
  });

  it('tells a holder it lost the lease, and its late release leaves the new holder’s alone', async () => {
    const [first, second, third] = [leases(150), leases(10_000), leases(10_000)];
    const stale = (await first.tryAcquire('webhooks'))!;
    // Taken away (an operator, or the key expiring while the holder was frozen).
    const redis = new Redis(testRedisUrl!);
    await redis.del(`${prefix}lease:webhooks`);
    await redis.quit();
    const current = (await second.tryAcquire('webhooks'))!;
    expect(current.fence).toBeGreaterThan(stale.fence);
    await expect.poll(() => stale.lost.aborted).toBe(true);
    await stale.release();
    expect(await third.tryAcquire('webhooks')).toBeNull();
  });
});
