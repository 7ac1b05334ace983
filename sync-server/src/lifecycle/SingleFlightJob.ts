import { HELD_ELSEWHERE_RETRY_MS, type ClusterJobs, type JobLease } from './JobLease.ts';

/** Where else the job may run, and under which name (see `JobLease`). */
export interface SingleFlightJobLease {
  readonly lease: JobLease;
  readonly name: string;
  /**
   * Other processes run this job too (a cluster's lease). Then a run that finds the lease
   * held asks again `retryMs` later until it runs: the holder may have made its last look
   * before this kick's work existed, and would leave it waiting for the next kick. And the
   * job is kicked every `pollMs` anyway: work a process left when it stopped or died mid-run
   * (nobody kicks for it) is resumed by another.
   */
  readonly shared?: ClusterJobs & { readonly retryMs?: number };
}

/**
 * A background job that runs at most once at a time (announcement mail, terms mail): `kick`
 * starts it unless it is running; a kick during a run makes it run once more after it, so
 * work added while it finished its last look is never left waiting for the next kick. The
 * work reads `stopped` between steps and returns early once `stop` was called.
 *
 * With a `lease`, also at most once at a time across the processes sharing it: a run whose
 * lease is held elsewhere is skipped (that holder is doing the work), and the work gets the
 * lease's `lost` signal to stop on. With `shared` as well, a skipped run is asked for again
 * until it runs (`idle` waits for it), and the job is kicked every `pollMs`.
 */
export class SingleFlightJob {
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #poll: NodeJS.Timeout | null = null;
  /** Ends the wait before asking the lease again (stop does not wait for it). */
  #endWait: (() => void) | null = null;

  constructor(
    private readonly work: (lost: AbortSignal) => Promise<void>,
    /** A run failed: log it (the job stays usable; the next kick runs it again). */
    private readonly failed: (err: unknown) => void,
    private readonly lease: SingleFlightJobLease | null = null,
  ) {
    const shared = lease?.shared;
    if (shared) {
      this.#poll = setInterval(() => this.kick(), shared.pollMs);
      this.#poll.unref();
    }
  }

  /** Set by `stop`: the work returns at its next step, and kicks start nothing. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs the work now, or once more after the run under way. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#runWhileKicked().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when no run is under way or due (tests wait on it). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops kicks and waits for the run under way (shutdown, flush phase). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
    this.#endWait?.();
    await this.#running;
  }

  async #runWhileKicked(): Promise<void> {
    do {
      this.#again = false;
      try {
        if (this.lease) {
          const outcome = await this.lease.lease.runOnce(this.lease.name, this.work);
          if (outcome === 'held elsewhere' && this.lease.shared && !this.#stopped) {
            await this.#wait(this.lease.shared.retryMs ?? HELD_ELSEWHERE_RETRY_MS);
            this.#again = true;
          }
        } else {
          await this.work(new AbortController().signal);
        }
      } catch (err) {
        this.failed(err);
      }
    } while (this.#again && !this.#stopped);
  }

  #wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#endWait = null;
        resolve();
      }, ms);
      this.#endWait = () => {
        clearTimeout(timer);
        this.#endWait = null;
        resolve();
      };
    });
  }
}
