import type { AsyncDocStore } from '../store/AsyncDocStore.ts';

/** The store's side of the comparison: the shared store's counts of stored updates. */
export type StoredCounts = Pick<AsyncDocStore, 'storedCounts'>;

interface OpenDoc {
  readonly workspaceId: string;
  /** Updates 1..through of the doc (their numbers in the store) are applied here. */
  through: number;
  /** Numbers above `through` applied here: at least one below them is not (yet). */
  readonly above: Set<number>;
  /** The stored count seen ahead of `through` at the last check, if any. */
  suspect: number | null;
}

/**
 * Finds documents a process has open that miss an update the store holds and keep missing
 * it — the one gap a Redis stream cannot show: a process that persisted an update and died
 * (kill -9, a crash) before publishing it. Its update is in the store but on no stream, so
 * other processes would miss it until they next loaded the document.
 *
 * The store numbers each doc's updates 1, 2, 3… in commit order without gaps, and keeps how
 * many it has stored, never lowered by a compaction (pgUpdateCountsSchema). The process
 * reports which numbers it applied: its own appends and the stream entries it read
 * (`applied`), and a load's or re-sync's count (`loaded`: 1..n at once). So it knows the
 * highest n for which it has applied all of 1..n, and a doc is behind exactly when the store
 * has stored more than that. Comparing numbers, not the workspace sequence, is what lets a
 * later update this process wrote itself not hide an earlier one it never got (the blind
 * spot of comparing sequences: that later update's sequence is the doc's latest).
 *
 * `check`, run on a timer, reads the stored counts of the open docs — one query per
 * workspace with open docs. A doc behind at one check may only have its entry in flight;
 * behind at two checks in a row through the same stored count, it needs a re-sync from the
 * store, and `check` returns it.
 */
export class LaggingDocWatch {
  readonly #store: StoredCounts;
  readonly #open = new Map<string, OpenDoc>();

  constructor(store: StoredCounts) {
    this.#store = store;
  }

  /** This process has applied the doc's stored updates with these numbers. */
  applied(docId: string, workspaceId: string, numbers: readonly number[]): void {
    const open = this.#opened(docId, workspaceId);
    for (const n of numbers) if (n > open.through) open.above.add(n);
    advance(open);
  }

  /** The doc was loaded (or re-synced) from the store holding its updates 1..updatesStored. */
  loaded(docId: string, workspaceId: string, updatesStored: number): void {
    const open = this.#opened(docId, workspaceId);
    if (updatesStored > open.through) open.through = updatesStored;
    for (const n of open.above) if (n <= open.through) open.above.delete(n);
    advance(open);
  }

  /** The doc is closed here: no longer watched. */
  forget(docId: string): void {
    this.#open.delete(docId);
  }

  /** Open docs the store has been ahead of for two checks: re-sync them from the store. */
  async check(): Promise<string[]> {
    const byWorkspace = new Map<string, string[]>();
    for (const [docId, open] of this.#open) {
      const docIds = byWorkspace.get(open.workspaceId);
      if (docIds) docIds.push(docId);
      else byWorkspace.set(open.workspaceId, [docId]);
    }
    const lagging: string[] = [];
    for (const [workspaceId, docIds] of byWorkspace) {
      const stored = new Map<string, number>();
      for (const row of await this.#store.storedCounts(workspaceId, docIds)) {
        stored.set(row.docId, row.updatesStored);
      }
      for (const docId of docIds) {
        // Forgotten while the store was read: no longer ours to watch.
        const open = this.#open.get(docId);
        if (!open) continue;
        const count = stored.get(docId) ?? 0;
        if (count <= open.through) {
          open.suspect = null;
        } else if (open.suspect !== null && open.through < open.suspect) {
          // Still short of what the store held at the previous check.
          lagging.push(docId);
          open.suspect = null;
        } else {
          open.suspect = count;
        }
      }
    }
    return lagging;
  }

  #opened(docId: string, workspaceId: string): OpenDoc {
    let open = this.#open.get(docId);
    if (!open) {
      open = { workspaceId, through: 0, above: new Set(), suspect: null };
      this.#open.set(docId, open);
    }
    return open;
  }
}

/** Moves `through` over the numbers applied right after it. */
function advance(open: OpenDoc): void {
  while (open.above.delete(open.through + 1)) open.through++;
}
