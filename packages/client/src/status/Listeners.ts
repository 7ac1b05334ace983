/**
 * A set of listeners with the Svelte store contract: `subscribe(run)` calls `run` with the
 * current value at once and on every change, and returns the unsubscribe function. So a
 * SyncClient or DocHandle works with `$store` syntax, `createSubscriber` or `fromStore`.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  subscribe(current: () => T, listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    listener(current());
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A failing UI listener must not break sync; surface it without stopping the others.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
