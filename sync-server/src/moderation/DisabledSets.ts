import { parseItemKey } from '@desk/protocol';
import type { AccessEvents, AccessEventMap } from '../access/AccessEvents.ts';
import type { AsyncModerationStore, DisabledSet } from './ModerationStore.ts';

/** A change `reload` found, shaped as the `moderationChanged` that was missed. */
export type MissedModerationChange = AccessEventMap['moderationChanged'][0];

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
 * store is the truth. Events missed while a cluster's access channel was cut are made up for
 * by `reload` (the channel's recheck calls it before re-authorizing sockets).
 */
export class DisabledSets {
  readonly #sets = new Map<string, DisabledSet>();
  /**
   * Counts the events heard, and when each workspace last had one (and when the cache was
   * started again): a read that began before a workspace's event must not replace what it
   * told, while an event of another workspace leaves the read alone.
   */
  #changes = 0;
  readonly #lastChange = new Map<string, number>();
  #clearedAt = 0;
  /**
   * The decision count (`moderationVersions`) each kept set is known to reflect: read before
   * the set was read again, so a decision after that read moves it once more.
   */
  readonly #versions = new Map<string, number>();
  #checking = false;

  constructor(
    private readonly store: Pick<AsyncModerationStore, 'disabledSet' | 'moderationVersions'>,
    access: AccessEvents,
  ) {
    access.on('moderationChanged', (event) => this.#changed(event));
  }

  /** The workspace's set: the one kept, else read from the store (and kept). */
  async load(workspaceId: string): Promise<DisabledSet> {
    const kept = this.#sets.get(workspaceId);
    if (kept) return kept;
    const began = this.#changes;
    const read = await this.store.disabledSet(workspaceId);
    if (this.#unchangedSince(workspaceId, began)) this.#keep(workspaceId, read);
    return this.#sets.get(workspaceId) ?? read;
  }

  /**
   * Reads every kept set again (the `moderationChanged` events of a while may have been
   * missed: a cluster's access channel was cut) and keeps what the store answers, unless an
   * event of that workspace came meanwhile. Answers each change found as the event that was
   * missed — the documents disabled since, by reason, and the new list — for the caller to
   * tell the open sockets (`SocketConnection.moderationChanged`). A set the store cannot
   * answer for now (PostgreSQL away) is dropped rather than kept as it may be stale: the
   * next ask of it reads it again (`current`), and its authorizations meanwhile answer what
   * they loaded. Never rejects: the recheck of sessions after it must run regardless.
   */
  async reload(): Promise<MissedModerationChange[]> {
    return this.#reload([...this.#sets]);
  }

  /**
   * The cheap periodic check of a cluster process (issue 19): one query for the decision
   * counts of the workspaces kept here, and the sets whose count moved read again, as
   * `reload` does (answering the changes found, for the caller to tell the open sockets). It
   * closes what the bus cannot: a decision committed by a process that died before publishing
   * its `moderationChanged`. A set kept for the first time is read once more (its count was
   * not known when it was read). Never rejects; a check still running makes this a no-op.
   */
  async checkVersions(): Promise<MissedModerationChange[]> {
    if (this.#checking || this.#sets.size === 0) return [];
    this.#checking = true;
    try {
      const kept = [...this.#sets];
      let counts: ReadonlyMap<string, number>;
      try {
        counts = await this.store.moderationVersions(kept.map(([workspaceId]) => workspaceId));
      } catch {
        return []; // The next check asks again.
      }
      for (const workspaceId of this.#versions.keys()) {
        if (!this.#sets.has(workspaceId)) this.#versions.delete(workspaceId);
      }
      const moved = kept.filter(
        ([workspaceId]) => this.#versions.get(workspaceId) !== (counts.get(workspaceId) ?? 0),
      );
      const missed = await this.#reload(moved);
      for (const [workspaceId] of moved) {
        // A set dropped by the read (the store away) is read afresh when next asked.
        if (this.#sets.has(workspaceId)) {
          this.#versions.set(workspaceId, counts.get(workspaceId) ?? 0);
        } else this.#versions.delete(workspaceId);
      }
      return missed;
    } finally {
      this.#checking = false;
    }
  }

  async #reload(kept: readonly [string, DisabledSet][]): Promise<MissedModerationChange[]> {
    const began = this.#changes;
    const missed: MissedModerationChange[] = [];
    await Promise.all(
      kept.map(async ([workspaceId, before]) => {
        let read: DisabledSet;
        try {
          read = await this.store.disabledSet(workspaceId);
        } catch {
          if (this.#unchangedSince(workspaceId, began)) this.#sets.delete(workspaceId);
          return;
        }
        if (!this.#unchangedSince(workspaceId, began)) return;
        this.#keep(workspaceId, read);
        missed.push(...changesBetween(workspaceId, before, read));
      }),
    );
    return missed;
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
    const began = this.#changes;
    this.#lastChange.set(workspaceId, began);
    this.#keep(workspaceId, setOf(event.items));
    this.store.disabledSet(workspaceId).then(
      (read) => {
        if (this.#unchangedSince(workspaceId, began)) this.#keep(workspaceId, read);
      },
      () => {
        // The event's list stands until the next decision or load.
      },
    );
  }

  /** No event of the workspace (nor a restart of the cache) since `began`. */
  #unchangedSince(workspaceId: string, began: number): boolean {
    return (this.#lastChange.get(workspaceId) ?? this.#clearedAt) <= began;
  }

  #keep(workspaceId: string, set: DisabledSet): void {
    if (!this.#sets.has(workspaceId) && this.#sets.size >= MAX_CACHED_WORKSPACES) {
      this.#sets.clear();
      this.#lastChange.clear();
      this.#versions.clear();
      this.#clearedAt = this.#changes;
    }
    this.#sets.set(workspaceId, set);
  }
}

/**
 * What a missed decision would have told: one change per reason the documents disabled
 * since `before` were given (their subscriptions end with it), or one without documents
 * when only the list changed (entries, files, or something enabled again).
 */
function changesBetween(
  workspaceId: string,
  before: DisabledSet,
  after: DisabledSet,
): MissedModerationChange[] {
  const was = new Map(before.entries.map((e) => [e.itemKey, e.reason]));
  const same =
    was.size === after.entries.length &&
    after.entries.every((e) => was.get(e.itemKey) === e.reason);
  if (same) return [];
  const items = after.entries.map(({ itemKey, reason }) => ({ itemKey, reason }));
  const docsByReason = new Map<string, string[]>();
  for (const { itemKey, reason } of after.entries) {
    const target = parseItemKey(itemKey);
    if (target?.scope !== 'doc' || was.has(itemKey)) continue;
    docsByReason.set(reason, [...(docsByReason.get(reason) ?? []), target.docId]);
  }
  if (docsByReason.size === 0) return [{ workspaceId, disabledDocIds: [], reason: '', items }];
  return [...docsByReason].map(([reason, disabledDocIds]) => ({
    workspaceId,
    disabledDocIds,
    reason,
    items,
  }));
}

function setOf(items: readonly { itemKey: string; reason: string }[]): DisabledSet {
  const reasons = new Map(items.map((item) => [item.itemKey, item.reason]));
  return {
    reasonOf: (itemKey) => reasons.get(itemKey) ?? null,
    entries: items.map(({ itemKey, reason }) => ({ itemKey, reason })),
  };
}
