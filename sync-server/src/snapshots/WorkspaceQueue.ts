import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { InProcessJobLease, type JobLease } from '../lifecycle/JobLease.ts';
import type { Logger } from '../log/logger.ts';
import { StaleFenceError, type LeaseFence } from '../store/DocStore.ts';
import { leaseFence } from '../store/leaseFences.ts';

/** The lease one workspace's snapshot work runs under, on the process's `JobLease`. */
export const snapshotLeaseName = (workspaceId: string) => `snapshots:${workspaceId}`;

export interface WorkspaceQueueOptions {
  /**
   * One process: `InProcessJobLease` (the queue alone serializes). A cluster:
   * `RedisJobLease`, so two processes never work on one workspace at once.
   */
  readonly lease?: JobLease;
  /** How long a job waits for another process to give the workspace up. @default 10 min */
  readonly waitMs?: number;
  /** Between two asks for the lease (a random part is added). @default 100 */
  readonly retryMs?: number;
  /** Where a job refused by a newer holder's fence is told. @default none */
  readonly log?: Logger | null;
}

/**
 * A snapshot job: `fence` is its grant of the workspace's lease (null on one process), for
 * every write it makes to the snapshot stores (SnapshotStore, RestoreRecordStore).
 */
export type WorkspaceJob<T> = (fence: LeaseFence | null) => Promise<T>;

/**
 * Runs snapshot and restore work of one workspace one job at a time (a restore must not
 * interleave with a capture of the same workspace), while different workspaces proceed
 * independently — in this process by a chain of promises per workspace, across a cluster
 * by the `snapshots:<workspaceId>` lease each job holds while it runs.
 *
 * A job that finds another process holding the lease waits for it, as it waits for this
 * process's earlier jobs, asking again until `waitMs` has passed; then it is refused with
 * `snapshot_busy` (409) — a capture or restore that long is stuck or very large, and the
 * request should not hang on it for ever. The lease expires when its holder dies, so a
 * crashed process holds a workspace for at most the lease's TTL.
 *
 * A job paused past that TTL (a long GC, a frozen VM) while another process took the
 * workspace over is refused at its next write by the stores (its fence is older:
 * `StaleFenceError`); it stops there, and its caller is told `snapshot_busy` (409) — the
 * other process's work stands.
 */
export class WorkspaceQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #lease: JobLease;
  readonly #waitMs: number;
  readonly #retryMs: number;
  readonly #log: Logger | null;
  #closing = false;

  constructor(options: WorkspaceQueueOptions = {}) {
    this.#lease = options.lease ?? new InProcessJobLease();
    this.#waitMs = options.waitMs ?? 10 * 60_000;
    this.#retryMs = options.retryMs ?? 100;
    this.#log = options.log ?? null;
  }

  run<T>(workspaceId: string, job: WorkspaceJob<T>): Promise<T> {
    return this.#queued(workspaceId, () => this.#underLease(workspaceId, job));
  }

  /**
   * Runs `job` after this process's earlier jobs of the workspace if no other process holds
   * its lease, without waiting for it: null when one does (start-up cleaning: a workspace
   * another process is capturing is left to it).
   */
  runIfFree<T>(workspaceId: string, job: WorkspaceJob<T>): Promise<T | null> {
    return this.#queued(workspaceId, async () => {
      let result: T | null = null;
      const name = snapshotLeaseName(workspaceId);
      await this.#lease.runOnce(name, async (_lost, fence) => {
        result = await this.#fenced(workspaceId, () => job(leaseFence(name, fence)));
      });
      return result;
    });
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }

  /**
   * Shutdown: jobs still waiting for another process's lease give up (`snapshot_busy`)
   * rather than hold the shutdown for up to `waitMs`; the ones running finish. Resolves
   * when every queued job has ended.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await this.idle();
  }

  #queued<T>(workspaceId: string, job: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(workspaceId) ?? Promise.resolve();
    const next = previous.then(job, job);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(workspaceId, tail);
    void tail.then(() => {
      if (this.#tails.get(workspaceId) === tail) this.#tails.delete(workspaceId);
    });
    return next;
  }

  async #underLease<T>(workspaceId: string, job: WorkspaceJob<T>): Promise<T> {
    const giveUpAt = Date.now() + this.#waitMs;
    const name = snapshotLeaseName(workspaceId);
    for (;;) {
      let result: { value: T } | null = null;
      const outcome = await this.#lease.runOnce(name, async (_lost, fence) => {
        result = { value: await this.#fenced(workspaceId, () => job(leaseFence(name, fence))) };
      });
      if (outcome === 'ran' && result) return (result as { value: T }).value;
      if (this.#closing || Date.now() >= giveUpAt) {
        throw new AppError(
          ErrorCode.snapshotBusy,
          409,
          'Another snapshot or restore of this workspace is still running. Please try again in a few minutes.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs * (1 + Math.random())));
    }
  }

  /** Runs `job`; a refusal by a newer holder's fence is told and answered `snapshot_busy`. */
  async #fenced<T>(workspaceId: string, job: () => Promise<T>): Promise<T> {
    try {
      return await job();
    } catch (err) {
      if (!(err instanceof StaleFenceError)) throw err;
      this.#log?.warn(
        { workspaceId, fence: err.fence, highest: err.highest },
        'snapshot job fenced out: another process took the workspace over',
      );
      throw new AppError(
        ErrorCode.snapshotBusy,
        409,
        'Another process took over the snapshots of this workspace. Please try again.',
      );
    }
  }
}
