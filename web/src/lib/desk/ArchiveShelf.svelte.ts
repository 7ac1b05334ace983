/* eslint-disable svelte/prefer-svelte-reactivity -- the Set is published by replacing a
   $state.raw value, never mutated while observed; the Maps are private bookkeeping. */
import {
  ARCHIVE_BATCH,
  ArchiveShard,
  docIds,
  dropStaleArchived,
  keepEditsFromArchiving,
  moveToArchive,
  planArchive,
  restoreFromArchive,
  type TicketRecord,
  type WorkspaceIndex,
} from '@desk/model';
import type { DocHandle, DocSource } from '$lib/offline/DocSource.ts';

interface Held {
  readonly shard: ArchiveShard;
  readonly handle: DocHandle;
  readonly loaded: Promise<void>;
}

/**
 * The workspace's archive shards (`<ws>:archive:<YYYY-MM>`) on this device: which months
 * exist (from the index), which are loaded, loading them on demand, and the archiving
 * maintenance that moves old closed tickets out of the hot index. Lists merge the loaded
 * shards (`onLoaded`); nothing loads a shard unless a person asks for older tickets or a
 * ticket page looks one up.
 */
export class ArchiveShelf {
  /** Every archived month, newest first. */
  months = $state.raw<string[]>([]);
  /** Months whose shard is loaded here. */
  loaded = $state.raw<ReadonlySet<string>>(new Set());
  loading = $state(false);

  private readonly held = new Map<string, Held>();
  private readonly listeners = new Set<(shard: ArchiveShard) => void>();
  private readonly stopMonths: () => void;
  private readonly stopKeeping: () => void;

  constructor(
    private readonly source: DocSource,
    private readonly workspaceId: string,
    private readonly index: WorkspaceIndex,
  ) {
    this.months = index.archives.list();
    this.stopMonths = index.archives.observe(() => (this.months = index.archives.list()));
    // An edit here while another device archived the ticket: back into the hot index, and
    // out of a loaded shard (issue 15; `keepEditsFromArchiving` says why Yjs cannot).
    this.stopKeeping = keepEditsFromArchiving(
      index,
      () => Date.now(),
      (id) => this.shards().some((shard) => shard.has(id)),
      () => void this.dropStale(),
    );
  }

  /** Months archived but not loaded on this device, newest first. */
  get notLoaded(): string[] {
    return this.months.filter((m) => !this.loaded.has(m));
  }

  /** Loaded shards, newest month first. */
  shards(): ArchiveShard[] {
    return this.months.flatMap((m) => {
      const held = this.held.get(m);
      return held && this.loaded.has(m) ? [held.shard] : [];
    });
  }

  /** Calls `listener` for every shard as it finishes loading (a list merges it). */
  onLoaded(listener: (shard: ArchiveShard) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads one month's shard from the local copy (and syncs it when online). */
  async load(month: string): Promise<ArchiveShard> {
    const held = this.hold(month);
    await held.loaded;
    if (!this.loaded.has(month)) {
      this.loaded = new Set([...this.loaded, month]);
      for (const listener of this.listeners) listener(held.shard);
      void this.dropStale(month);
    }
    return held.shard;
  }

  /** Loads every archived month not loaded yet, newest first. */
  async loadAll(): Promise<void> {
    this.loading = true;
    try {
      for (const month of this.notLoaded) await this.load(month);
    } finally {
      this.loading = false;
    }
  }

  /** The archived ticket with this number, loading shards newest first until found. */
  async findByNumber(number: number): Promise<TicketRecord | null> {
    for (const shard of this.shards()) {
      const found = shard.byNumber(number);
      if (found) return found;
    }
    this.loading = true;
    try {
      for (const month of this.notLoaded) {
        const found = (await this.load(month)).byNumber(number);
        if (found) return found;
      }
      return null;
    } finally {
      this.loading = false;
    }
  }

  /** The archived ticket with this id among the loaded shards. */
  find(id: string): TicketRecord | null {
    for (const shard of this.shards()) {
      const found = shard.get(id);
      if (found) return found;
    }
    return null;
  }

  /**
   * Moves an archived ticket back into the hot index before it is changed (reopened,
   * edited, restored from the trash). No-op for a ticket already in the hot index.
   */
  restore(id: string): void {
    if (this.index.tickets.get(id)) return;
    for (const shard of this.shards()) {
      if (shard.has(id)) {
        restoreFromArchive(this.index, shard, id);
        return;
      }
    }
  }

  /**
   * The archiving maintenance, run after the first sync: solved, closed and deleted tickets
   * untouched for 30 days move to their month's shard, `ARCHIVE_BATCH` per transaction.
   * Each shard is synced with the server before it is written (no write to a copy that
   * does not know the server's), so this never runs offline. Returns how many moved.
   */
  async archiveOld(now: number): Promise<number> {
    let moved = 0;
    for (const [month, records] of planArchive(this.index.tickets, now)) {
      const held = this.hold(month);
      try {
        await held.loaded;
        await held.handle.whenSynced;
        held.shard.ensureSchema();
        for (let i = 0; i < records.length; i += ARCHIVE_BATCH) {
          const ids = records.slice(i, i + ARCHIVE_BATCH).map((r) => r.id);
          moved += moveToArchive(this.index, held.shard, ids, now);
        }
        dropStaleArchived(this.index, held.shard, now);
      } finally {
        if (!this.loaded.has(month)) this.drop(month);
      }
    }
    return moved;
  }

  destroy(): void {
    this.stopMonths();
    this.stopKeeping();
    this.listeners.clear();
    for (const month of [...this.held.keys()]) this.drop(month);
  }

  /**
   * Drops the loaded shards' copies of tickets the hot index holds in a later state (an
   * edit kept from a concurrent archiving), once the shard has synced: no write to a copy
   * that does not know the server's.
   */
  private async dropStale(month?: string): Promise<void> {
    const chosen = [...this.held].filter(([m]) => month === undefined || m === month);
    await Promise.all(
      chosen.map(async ([m, held]) => {
        await held.handle.whenSynced.catch(() => undefined);
        if (this.held.get(m) === held) dropStaleArchived(this.index, held.shard, Date.now());
      }),
    );
  }

  private hold(month: string): Held {
    let held = this.held.get(month);
    if (!held) {
      const handle = this.source.open(docIds.archive(this.workspaceId, month));
      held = { shard: new ArchiveShard(handle.doc, month), handle, loaded: handle.whenLoaded };
      this.held.set(month, held);
    }
    return held;
  }

  private drop(month: string): void {
    const held = this.held.get(month);
    if (!held) return;
    this.held.delete(month);
    held.handle.release();
  }
}
