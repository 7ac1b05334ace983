import type { JobLease } from '../lifecycle/JobLease.ts';
import type { Logger } from '../log/logger.ts';
import type { SnapshotService } from './SnapshotService.ts';
import type { SnapshotSync } from './SnapshotSync.ts';

/** The schedule's name on the process's `JobLease`: one process of a cluster runs a tick. */
export const SNAPSHOT_JOB = 'snapshots';

/** A full retention sweep over every workspace (quiet ones included) runs this often. */
const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/**
 * Automatic snapshots: on every tick, each workspace that changed since its latest snapshot
 * and whose latest scheduled snapshot is at least one interval old is captured, one
 * workspace after another, followed by its retention. Terminated workspaces are skipped.
 * A tick runs under the job lease: in a cluster, a process whose tick finds another one
 * ticking skips it (both would snapshot the same changed workspaces).
 */
export class SnapshotSchedule {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly service: SnapshotService,
    private readonly sync: SnapshotSync,
    private readonly intervalMs: number,
    private readonly jobLease: JobLease,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.#timer) return;
    // Check a dozen times per interval (at most every 5 minutes), so a snapshot is at most
    // that late and a restart does not reset the clock.
    const every = Math.min(Math.max(this.intervalMs / 12, 10_000), 5 * 60_000);
    this.#timer = setInterval(() => {
      if (!this.#running) {
        this.#running = this.run()
          .then(() => undefined)
          .catch((err: unknown) => this.log.error({ err }, 'snapshot schedule failed'))
          .finally(() => {
            this.#running = null;
          });
      }
    }, every);
    this.#timer.unref();
  }

  /** Stops the timer and waits for the tick in progress to end between two workspaces. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /**
   * The timer's pass: `tick` under the job lease. Null when another process holds it (it is
   * ticking now), else the ids of the workspaces snapshotted.
   */
  async run(): Promise<string[] | null> {
    let taken: string[] | null = null;
    await this.jobLease.runOnce(SNAPSHOT_JOB, async (lost) => {
      taken = await this.tick(lost);
    });
    return taken;
  }

  /**
   * One pass over all workspaces; returns the ids of those snapshotted. Stops between two
   * workspaces once stopped or once `lost` (the lease) is aborted. Public for tests.
   */
  async tick(lost?: AbortSignal): Promise<string[]> {
    const taken: string[] = [];
    const generation = this.sync.generation();
    const ended = () => this.#stopped || lost?.aborted === true;
    for (const workspaceId of await this.service.store.workspacesToSnapshot()) {
      if (ended()) break;
      const latest = await this.service.store.latest(workspaceId);
      const seq = await this.sync.workspaceSeq(workspaceId);
      const changed =
        latest === null ? seq > 0 : latest.storeGeneration !== generation || seq > latest.seq;
      if (!changed) continue;
      const lastScheduled = (await this.service.list(workspaceId)).find(
        (s) => s.trigger === 'schedule',
      );
      if (lastScheduled && this.now() - lastScheduled.createdAt < this.intervalMs) continue;
      try {
        await this.service.take(workspaceId, { trigger: 'schedule' });
        await this.service.applyRetention(workspaceId);
        taken.push(workspaceId);
      } catch (err) {
        this.log.error({ err, workspaceId }, 'scheduled snapshot failed');
      }
    }
    if (this.now() - this.#lastSweep >= RETENTION_SWEEP_MS) {
      this.#lastSweep = this.now();
      for (const workspaceId of await this.service.store.workspacesToSnapshot()) {
        if (ended()) break;
        await this.service.applyRetention(workspaceId);
      }
    }
    return taken;
  }
}
