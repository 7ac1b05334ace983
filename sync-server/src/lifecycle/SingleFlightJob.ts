import type { JobLease } from './JobLease.ts';

/** Where else the job may run, and under which name (see `JobLease`). */
export interface SingleFlightJobLease {
  readonly lease: JobLease;
  readonly name: string;
}

/**
 * A background job that runs at most once at a time (announcement mail, terms mail): `kick`
 * starts it unless it is running; a kick during a run makes it run once more after it, so
 * work added while it finished its last look is never left waiting for the next kick. The
 * work reads `stopped` between steps and returns early once `stop` was called.
 *
 * With a `lease`, also at most once at a time across the processes sharing it: a run whose
 * lease is held elsewhere is skipped (that holder is doing the work), and the work gets the
 * lease's `lost` signal to stop on.
 */
export class SingleFlightJob {
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(
    private readonly work: (lost: AbortSignal) => Promise<void>,
    /** A run failed: log it (the job stays usable; the next kick runs it again). */
    private readonly failed: (err: unknown) => void,
    private readonly lease: SingleFlightJobLease | null = null,
  ) {}

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
    await this.#running;
  }

  async #runWhileKicked(): Promise<void> {
    do {
      this.#again = false;
      try {
        if (this.lease) await this.lease.lease.runOnce(this.lease.name, this.work);
        else await this.work(new AbortController().signal);
      } catch (err) {
        this.failed(err);
      }
    } while (this.#again && !this.#stopped);
  }
}
