import type { LocalStore, RefusedChange } from '../store/LocalStore.ts';

/**
 * One doc's refused local changes, kept as drafts in the local store until the user has
 * exported or discarded them. A store failure is logged and never blocks the replica: the
 * drafts stay in memory while it lives.
 */
export class RefusedDrafts {
  readonly #docId: string;
  readonly #store: LocalStore;
  readonly #log: (event: string, details: Record<string, unknown>) => void;
  #drafts: readonly RefusedChange[] = [];

  constructor(
    docId: string,
    store: LocalStore,
    log: (event: string, details: Record<string, unknown>) => void,
  ) {
    this.#docId = docId;
    this.#store = store;
    this.#log = log;
  }

  get list(): readonly RefusedChange[] {
    return this.#drafts;
  }

  /** Reads the drafts a previous session kept. */
  async load(): Promise<void> {
    try {
      this.#drafts = await this.#store.getDrafts(this.#docId);
    } catch (err) {
      this.#failed(err);
    }
  }

  add(draft: RefusedChange): void {
    this.#drafts = [...this.#drafts, draft];
    this.#save();
  }

  /** Forgets drafts the user has exported or discarded. */
  dismiss(changes: readonly RefusedChange[]): void {
    const drop = new Set(changes);
    this.#drafts = this.#drafts.filter((change) => !drop.has(change));
    this.#save();
  }

  #save(): void {
    this.#store.setDrafts(this.#docId, this.#drafts).catch((err: unknown) => this.#failed(err));
  }

  #failed(err: unknown): void {
    this.#log('local_drafts_failed', { docId: this.#docId, error: String(err) });
  }
}
