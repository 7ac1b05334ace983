/**
 * A background job that runs at most once at a time (announcement mail, terms mail): `kick`
 * starts it unless it is running; a kick during a run makes it run once more after it, so
 * work added while it finished its last look is never left waiting for the next kick. The
 * work reads `stopped` between steps and returns early once `stop` was called.
 */
export class SingleFlightJob {
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    /** A run failed: log it (the job stays usable; the next kick runs it again). */
    private readonly failed: (err: unknown) => void,
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
        await this.work();
      } catch (err) {
        this.failed(err);
      }
    } while (this.#again && !this.#stopped);
  }
}
