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

  describe('shared with other processes (a cluster: `shared`)', () => {
    /** A job holding the lease until released, as another process's run would. */
    const holder = (lease: InProcessJobLease) => {
      let release = () => {};
      let runs = 0;
      const job = new SingleFlightJob(
        async () => {
          runs++;
          await new Promise<void>((r) => (release = r));
        },
        () => {},
        { lease, name: 'announcements' },
      );
      return { job, runs: () => runs, release: () => release() };
    };

    it('a kick that finds the lease held asks again until it runs: work added after the holder’s last look is not left waiting', async () => {
      const lease = new InProcessJobLease();
      const other = holder(lease);
      let runs = 0;
      const shared = new SingleFlightJob(
        async () => {
          runs++;
        },
        () => {},
        { lease, name: 'announcements', shared: { pollMs: 3_600_000, retryMs: 5 } },
      );
      other.job.kick();
      await expect.poll(other.runs).toBe(1);
      shared.kick(); // the other process holds it (its last look may be behind it)
      other.release();
      await shared.idle(); // waits for the run asked for again
      expect(runs).toBe(1);
      await shared.stop();
    });

    it('is kicked every pollMs: work a stopped process left, which nobody kicks for, is taken up', async () => {
      const lease = new InProcessJobLease();
      let runs = 0;
      const shared = new SingleFlightJob(
        async () => {
          runs++;
        },
        () => {},
        { lease, name: 'announcements', shared: { pollMs: 5 } },
      );
      // Never kicked: only the poll runs it, again and again.
      await expect.poll(() => runs).toBeGreaterThanOrEqual(2);
      await shared.stop();
    });

    it('stop ends a wait for a lease held elsewhere at once', async () => {
      const lease = new InProcessJobLease();
      const other = holder(lease);
      const shared = new SingleFlightJob(
        async () => {},
        () => {},
        { lease, name: 'announcements', shared: { pollMs: 3_600_000, retryMs: 3_600_000 } },
      );
      other.job.kick();
      await expect.poll(other.runs).toBe(1);
      shared.kick();
      await shared.stop(); // would wait an hour for the retry
      other.release();
      await other.job.idle();
    });
  });
});
