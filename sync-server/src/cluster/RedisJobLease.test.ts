import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SingleFlightJob } from '../lifecycle/SingleFlightJob.ts';
import { describeWithRedis, testKeyPrefix, testRedisUrl } from '../testing/scaleOutParts.ts';
import { RedisJobLease } from './RedisJobLease.ts';
import { RedisLeases } from './RedisLeases.ts';

const holderScript = fileURLToPath(new URL('../testing/leaseHolderProcess.ts', import.meta.url));
const serverDir = path.resolve(path.dirname(holderScript), '../..');

/** One process's scheduler of a job: its own Redis connection, its own count of runs. */
class Scheduler {
  runs = 0;
  readonly failures: unknown[] = [];
  readonly job: SingleFlightJob;
  #release: () => void = () => {};

  constructor(
    readonly leases: RedisLeases,
    name: string,
    blocking: boolean,
  ) {
    this.job = new SingleFlightJob(
      async () => {
        this.runs++;
        if (blocking) await new Promise<void>((resolve) => (this.#release = resolve));
      },
      (error) => this.failures.push(error),
      { lease: new RedisJobLease(leases), name },
    );
  }

  finish(): void {
    this.#release();
  }
}

await describeWithRedis('RedisJobLease', { ownServer: false }, () => {
  let prefix: string;
  const opened: RedisLeases[] = [];
  const children: ChildProcess[] = [];
  const scheduler = (name: string, options: { ttlMs: number; blocking: boolean }) => {
    const leases = new RedisLeases({ url: testRedisUrl!, prefix, ttlMs: options.ttlMs });
    opened.push(leases);
    return new Scheduler(leases, name, options.blocking);
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

  it('runs a job kicked on two schedulers sharing one Redis once', async () => {
    const a = scheduler('snapshots', { ttlMs: 10_000, blocking: true });
    const b = scheduler('snapshots', { ttlMs: 10_000, blocking: true });
    a.job.kick();
    await expect.poll(() => a.runs).toBe(1);
    b.job.kick();
    await b.job.idle(); // its run found the lease held by A and was skipped
    a.finish();
    await a.job.idle();
    expect([a.runs, b.runs]).toEqual([1, 0]);
    // Released after the run: the next tick may run anywhere.
    const c = scheduler('snapshots', { ttlMs: 10_000, blocking: false });
    c.job.kick();
    await c.job.idle();
    expect(c.runs).toBe(1);
    expect([...a.failures, ...b.failures, ...c.failures]).toEqual([]);
  });

  it('takes a job over from a holder killed with kill -9, once its lease expired', async () => {
    const ttlMs = 300;
    // The holder: a process of its own holding the job's lease, renewing it until killed.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', holderScript, testRedisUrl!, prefix, 'job:outbox', String(ttlMs)],
      { cwd: serverDir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    const [line] = (await once(readline.createInterface({ input: child.stdout! }), 'line')) as [
      string,
    ];
    expect(line).toMatch(/^held \d+$/);

    const survivor = scheduler('outbox', { ttlMs, blocking: false });
    survivor.job.kick();
    await survivor.job.idle();
    expect(survivor.runs).toBe(0); // held by the living holder

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    // The survivor's ticks go on; one after the lease expired runs the job.
    await expect
      .poll(async () => {
        survivor.job.kick();
        await survivor.job.idle();
        return survivor.runs;
      })
      .toBe(1);
    expect(survivor.failures).toEqual([]);
  });
});
