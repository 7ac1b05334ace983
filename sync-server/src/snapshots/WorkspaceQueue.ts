/**
 * Runs snapshot and restore work of one workspace one job at a time (a restore must not
 * interleave with a capture of the same workspace), while different workspaces proceed
 * independently.
 */
export class WorkspaceQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(workspaceId: string, job: () => Promise<T>): Promise<T> {
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

  /** Resolves when every queued job has finished (shutdown). */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
