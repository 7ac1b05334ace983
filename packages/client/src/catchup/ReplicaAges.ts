import type { LocalStore } from '../store/LocalStore.ts';

/**
 * When each workspace's replica last caught up (`WorkspaceMeta.syncedAt`, the server's clock),
 * held in memory so a replica names it in its `subscribe` without a store read per frame
 * (protocol 5; SPEC IDX-GEN-7). Read once per workspace, before its first replica subscribes;
 * moved on by every completed catch-up.
 */
export class ReplicaAges {
  readonly #store: LocalStore;
  readonly #log: (event: string, details: Record<string, unknown>) => void;
  readonly #stamps = new Map<string, number | null>();
  readonly #loading = new Map<string, Promise<void>>();

  constructor(store: LocalStore, log: (event: string, details: Record<string, unknown>) => void) {
    this.#store = store;
    this.#log = log;
  }

  /** Reads the workspace's stamp from the store once; resolves (never rejects) when known. */
  load(workspaceId: string): Promise<void> {
    if (this.#stamps.has(workspaceId)) return Promise.resolve();
    let loading = this.#loading.get(workspaceId);
    if (!loading) {
      loading = this.#store.getWorkspaceMeta(workspaceId).then(
        (meta) => {
          if (!this.#stamps.has(workspaceId)) this.#stamps.set(workspaceId, meta?.syncedAt ?? null);
        },
        (err: unknown) => {
          // Unknown age: the server does not check it (no stamp sent); nothing is refused.
          this.#log('replica_age_unreadable', { workspaceId, error: String(err) });
        },
      );
      const done = loading;
      void done.then(() => this.#loading.delete(workspaceId));
      this.#loading.set(workspaceId, done);
    }
    return loading;
  }

  /** The stamp to name in `subscribe`; undefined when there is none (or not read yet). */
  syncedAt(workspaceId: string): number | undefined {
    return this.#stamps.get(workspaceId) ?? undefined;
  }

  /** A catch-up completed at the server's `serverTime`. */
  stamp(workspaceId: string, serverTime: number): void {
    this.#stamps.set(workspaceId, serverTime);
  }
}
