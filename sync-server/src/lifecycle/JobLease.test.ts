import { describe, expect, it } from 'vitest';
import { InProcessJobLease } from './JobLease.ts';
import { SingleFlightJob } from './SingleFlightJob.ts';

describe('InProcessJobLease (one process)', () => {
  it('runs a name once at a time: a second run asked for meanwhile is held elsewhere; other names are free', async () => {
    const lease = new InProcessJobLease();
    let release = () => {};
    const first = lease.runOnce('snapshots', () => new Promise<void>((r) => (release = r)));
    expect(await lease.runOnce('snapshots', async () => undefined)).toBe('held elsewhere');
    expect(await lease.runOnce('outbox', async () => undefined)).toBe('ran');
    release();
    expect(await first).toBe('ran');
    expect(await lease.runOnce('snapshots', async () => undefined)).toBe('ran');
  });

  it('gives the name up when the job throws', async () => {
    const lease = new InProcessJobLease();
    await expect(
      lease.runOnce('backup', async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await lease.runOnce('backup', async () => undefined)).toBe('ran');
  });

  it('lets two schedulers of one job share it: kicked together, the work runs once', async () => {
    const lease = new InProcessJobLease();
    let runs = 0;
    let release = () => {};
    const work = async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    };
    const failures: unknown[] = [];
    const one = new SingleFlightJob(work, (e) => failures.push(e), { lease, name: 'outbox' });
    const two = new SingleFlightJob(work, (e) => failures.push(e), { lease, name: 'outbox' });
    one.kick();
    await expect.poll(() => runs).toBe(1);
    two.kick();
    await two.idle(); // skipped: held by one
    release();
    await one.idle();
    expect(runs).toBe(1);
    expect(failures).toEqual([]);
  });
});
