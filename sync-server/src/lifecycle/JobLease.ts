/** What came of asking to run a job: it ran, or another holder was running it. */
export type JobLeaseOutcome = 'ran' | 'held elsewhere';

/**
 * The right to run a named piece of scheduled work (`snapshots`, `outbox`, `backup`,
 * `compact:<docId>`) once across every process that schedules it (issue 19). Schedulers ask
 * for it around each run and skip the run when someone else holds it: that holder is doing
 * the same work now.
 *
 * One process: `InProcessJobLease` (today's behaviour — one run at a time per name). A
 * cluster: `RedisJobLease` (cluster/RedisJobLease.ts), a lease in Redis that expires when
 * its holder dies, so another process takes the work over at its next tick.
 */
export interface JobLease {
  /**
   * Runs `job` if nobody runs `name` now, then gives the name up (also when `job` throws,
   * which rejects). `lost` is aborted if the right was lost while the job ran (a cluster
   * lease expired): the job stops and writes nothing more. `fence` is the grant's fencing
   * number (RedisLeases), to pass with the job's writes to a store that checks it; null in
   * one process, where nobody else can hold the name.
   */
  runOnce(
    name: string,
    job: (lost: AbortSignal, fence: number | null) => Promise<void>,
  ): Promise<JobLeaseOutcome>;
}

/** One process: a name is held while a run of it is under way in this process. */
export class InProcessJobLease implements JobLease {
  readonly #running = new Set<string>();

  async runOnce(
    name: string,
    job: (lost: AbortSignal, fence: number | null) => Promise<void>,
  ): Promise<JobLeaseOutcome> {
    if (this.#running.has(name)) return 'held elsewhere';
    this.#running.add(name);
    try {
      // Never lost: nothing but this process can take it.
      await job(new AbortController().signal, null);
      return 'ran';
    } finally {
      this.#running.delete(name);
    }
  }
}

/**
 * How a cluster process shares scheduled work with the others (createServices hands it to
 * the timers and background jobs). One process needs none: nothing else schedules or
 * leaves work behind.
 */
export interface ClusterJobs {
  /**
   * How often a process looks for what another process scheduled or left: the next support
   * grant expiry and terms date (set on another process), mail a stopped process was
   * sending. Also how long a dead process's work may wait for another.
   */
  readonly pollMs: number;
}

/** `ClusterJobs.pollMs` of a running cluster: a minute. */
export const CLUSTER_POLL_MS = 60_000;

/**
 * A job another process of a cluster may be running: how soon to ask again after finding
 * its lease held (the holder may have made its last look before this kick's work existed).
 */
export const HELD_ELSEWHERE_RETRY_MS = 1000;
