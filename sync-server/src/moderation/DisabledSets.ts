import type { AccessEvents, AccessEventMap } from '../access/AccessEvents.ts';
import type { AsyncModerationStore, DisabledSet } from './ModerationStore.ts';

/** Workspaces whose set is kept; past it the cache starts again (sets are re-read). */
const MAX_CACHED_WORKSPACES = 10_000;

/**
 * What is disabled in each workspace (terms §4), kept per process for the sync engine, which
 * asks synchronously at every subscribe, write and broadcast: loaded once from the store
 * (`load`, awaited at authorize — PostgreSQL may answer) and kept current by the
 * `moderationChanged` access event, which every process hears (the access bus relays it) and
 * which carries the workspace's full list after the decision. The list is taken at once, so a
 * subscribe right after the event is refused; then the set is read again from the store, since
 * the event is a hint: two decisions on two processes may reach this one out of order, and the
 * store is the truth.
 */
export class DisabledSets {
  readonly #sets = new Map<string, DisabledSet>();
  /** Counts the events heard: a read that began before one must not replace what it told. */
  #changes = 0;

  constructor(
    private readonly store: Pick<AsyncModerationStore, 'disabledSet'>,
    access: AccessEvents,
  ) {
    access.on('moderationChanged', (event) => this.#changed(event));
  }

  /** The workspace's set: the one kept, else read from the store (and kept). */
  async load(workspaceId: string): Promise<DisabledSet> {
    const kept = this.#sets.get(workspaceId);
    if (kept) return kept;
    const changes = this.#changes;
    const read = await this.store.disabledSet(workspaceId);
    if (this.#changes === changes) this.#keep(workspaceId, read);
    return this.#sets.get(workspaceId) ?? read;
  }

  /**
   * The workspace's set now, synchronously: the one kept, else `loaded` (what the caller's
   * `load` answered; the cache was started again since) while it is read again.
   */
  current(workspaceId: string, loaded: DisabledSet): DisabledSet {
    const kept = this.#sets.get(workspaceId);
    if (kept) return kept;
    void this.load(workspaceId).catch(() => {
      // The next ask reads again; meanwhile `loaded` answers.
    });
    return loaded;
  }

  #changed(event: AccessEventMap['moderationChanged'][0]): void {
    const { workspaceId } = event;
    this.#changes += 1;
    const changes = this.#changes;
    this.#keep(workspaceId, setOf(event.items));
    this.store.disabledSet(workspaceId).then(
      (read) => {
        if (this.#changes === changes) this.#keep(workspaceId, read);
      },
      () => {
        // The event's list stands until the next decision or load.
      },
    );
  }

  #keep(workspaceId: string, set: DisabledSet): void {
    if (!this.#sets.has(workspaceId) && this.#sets.size >= MAX_CACHED_WORKSPACES) {
      this.#sets.clear();
    }
    this.#sets.set(workspaceId, set);
  }
}

function setOf(items: readonly { itemKey: string; reason: string }[]): DisabledSet {
  const reasons = new Map(items.map((item) => [item.itemKey, item.reason]));
  return {
    reasonOf: (itemKey) => reasons.get(itemKey) ?? null,
    entries: items.map(({ itemKey, reason }) => ({ itemKey, reason })),
  };
}
