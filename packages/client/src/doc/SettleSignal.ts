import type { SyncError } from './SyncError.ts';

/**
 * Tells waiters when a replica is settled (it has the server's state and the server has all
 * of ours): `whenSynced` resolves the first time, or rejects when the server refuses the doc
 * before that; `wait()` answers true at the next settling, false when the doc is blocked or
 * unloaded first.
 */
export class SettleSignal {
  readonly whenSynced: Promise<void>;
  #resolveSynced!: () => void;
  #rejectSynced!: (err: SyncError) => void;
  #synced = false;
  #waiters: Array<(settled: boolean) => void> = [];

  constructor() {
    this.whenSynced = new Promise<void>((resolve, reject) => {
      this.#resolveSynced = resolve;
      this.#rejectSynced = reject;
    });
    // Nobody may be awaiting whenSynced; a refusal must not become an unhandled rejection.
    this.whenSynced.catch(() => undefined);
  }

  /** Resolves true at the next `settled()`, false at the next `giveUp()`. */
  wait(): Promise<boolean> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  settled(): void {
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveSynced();
    }
    this.#answer(true);
  }

  /** The server refused the doc: `whenSynced` rejects unless it already resolved. */
  refused(error: SyncError): void {
    if (!this.#synced) this.#rejectSynced(error);
  }

  /** Blocked or unloaded: nobody should wait for a settling that will not come. */
  giveUp(): void {
    this.#answer(false);
  }

  #answer(settled: boolean): void {
    for (const resolve of this.#waiters.splice(0)) resolve(settled);
  }
}
