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
