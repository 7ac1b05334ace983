import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import { WorkspaceQueue } from './WorkspaceQueue.ts';

/** A job that records its start and end and runs until `release` is called. */
function heldJob(name: string, log: string[]) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const isStarted = new Promise<void>((resolve) => (started = resolve));
  return {
    release,
    isStarted,
    run: async () => {
      log.push(`${name} start`);
      started();
      await released;
      log.push(`${name} end`);
      return name;
    },
  };
}

// Two queues on one lease stand for two processes of a cluster on one RedisJobLease.
describe('WorkspaceQueue', () => {
  it('runs a job of a workspace another process holds once that process gives it up', async () => {
    const lease = new InProcessJobLease();
    const [a, b] = [new WorkspaceQueue({ lease }), new WorkspaceQueue({ lease, retryMs: 1 })];
    const log: string[] = [];
    const first = heldJob('a', log);
    const onA = a.run('w1', first.run);
    await first.isStarted;
    const onB = b.run('w1', async () => {
      log.push('b start');
      return 'b';
    });
    // B keeps asking while A holds w1; nothing of B runs meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['a start']);
    first.release();
    expect(await Promise.all([onA, onB])).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b start']);
  });

  it('lets other workspaces proceed meanwhile', async () => {
    const lease = new InProcessJobLease();
    const [a, b] = [new WorkspaceQueue({ lease }), new WorkspaceQueue({ lease })];
    const held = heldJob('a', []);
    const onA = a.run('w1', held.run);
    await held.isStarted;
    expect(await b.run('w2', async () => 'other')).toBe('other');
    held.release();
    await onA;
  });

  it('refuses with snapshot_busy once it waited its bound, without running the job', async () => {
    const lease = new InProcessJobLease();
    const [a, b] = [new WorkspaceQueue({ lease }), new WorkspaceQueue({ lease, waitMs: 0 })];
    const held = heldJob('a', []);
    const onA = a.run('w1', held.run);
    await held.isStarted;
    let ran = false;
    const refused = await b
      .run('w1', async () => {
        ran = true;
      })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: ErrorCode.snapshotBusy, status: 409 });
    expect(ran).toBe(false);
    held.release();
    await onA;
  });

  it('gives up waiting for another process once its own process shuts down', async () => {
    const lease = new InProcessJobLease();
    const [a, b] = [new WorkspaceQueue({ lease }), new WorkspaceQueue({ lease, retryMs: 1 })];
    const held = heldJob('a', []);
    const onA = a.run('w1', held.run);
    await held.isStarted;
    let ran = false;
    const onB = b
      .run('w1', async () => {
        ran = true;
      })
      .catch((err: unknown) => err);
    await b.close();
    expect(await onB).toMatchObject({ code: ErrorCode.snapshotBusy });
    expect(ran).toBe(false);
    held.release();
    await onA;
  });

  it('runIfFree skips a workspace another process holds, and runs one nobody holds', async () => {
    const lease = new InProcessJobLease();
    const [a, b] = [new WorkspaceQueue({ lease }), new WorkspaceQueue({ lease })];
    const held = heldJob('a', []);
    const onA = a.run('w1', held.run);
    await held.isStarted;
    expect(await b.runIfFree('w1', async () => 'ran')).toBeNull();
    expect(await b.runIfFree('w2', async () => 'ran')).toBe('ran');
    held.release();
    await onA;
  });

  it('runs one process’s jobs of a workspace in the order they were asked for', async () => {
    const queue = new WorkspaceQueue();
    const log: string[] = [];
    const first = heldJob('1', log);
    const one = queue.run('w1', first.run);
    const two = queue.run('w1', async () => {
      log.push('2 start');
    });
    await first.isStarted;
    first.release();
    await Promise.all([one, two, queue.idle()]);
    expect(log).toEqual(['1 start', '1 end', '2 start']);
  });
});
