import type { AsyncDocStore } from '../store/AsyncDocStore.ts';

interface OpenDoc {
  readonly workspaceId: string;
  /** The highest workspace sequence of this doc this process has applied. */
  applied: number;
  /** The stored sequence seen ahead of `applied` at the last check, if any. */
  suspect: number | null;
}

/**
 * Finds documents a process has open whose stored version is ahead of what it applied and
 * stays ahead — the one gap a Redis stream cannot show: a process that persisted an update
 * and died (kill -9, a crash) before publishing it. Its update is in the store but on no
 * stream, so other processes would miss it until they next loaded the document.
 *
 * The process reports what it applied (`applied`: the `seq` of each stream entry, of its own
 * appends, and a load's `lastSeq`); `check`, run on a timer, compares that with the store's
 * change sequence — one `changedSince` per workspace with open documents. A document ahead
 * at one check may only have its entry in flight; ahead at two checks in a row through the
 * same stored sequence, it needs a re-sync from the store, and `check` returns it.
 */
export class LaggingDocWatch {
  readonly #store: Pick<AsyncDocStore, 'changedSince'>;
  readonly #open = new Map<string, OpenDoc>();

  constructor(store: Pick<AsyncDocStore, 'changedSince'>) {
    this.#store = store;
  }

  /** This process has applied the doc through workspace sequence `seq`. */
  applied(docId: string, workspaceId: string, seq: number): void {
    const open = this.#open.get(docId);
    if (!open) this.#open.set(docId, { workspaceId, applied: seq, suspect: null });
    else if (seq > open.applied) open.applied = seq;
  }

  /** The doc is closed here: no longer watched. */
  forget(docId: string): void {
    this.#open.delete(docId);
  }

  /** Open docs the store has been ahead of for two checks: re-sync them from the store. */
  async check(): Promise<string[]> {
    const byWorkspace = new Map<string, number>();
    for (const open of this.#open.values()) {
      const since = byWorkspace.get(open.workspaceId);
      byWorkspace.set(
        open.workspaceId,
        since === undefined ? open.applied : Math.min(since, open.applied),
      );
    }
    const lagging: string[] = [];
    for (const [workspaceId, since] of byWorkspace) {
      const stored = new Map<string, number>();
      for (const row of await this.#store.changedSince(workspaceId, since)) {
        stored.set(row.docId, row.seq);
      }
      for (const [docId, open] of this.#open) {
        if (open.workspaceId !== workspaceId) continue;
        const storedSeq = stored.get(docId);
        if (storedSeq === undefined || storedSeq <= open.applied) {
          open.suspect = null;
        } else if (open.suspect !== null && open.applied < open.suspect) {
          // Still short of what the store held at the previous check.
          lagging.push(docId);
          open.suspect = null;
        } else {
          open.suspect = storedSeq;
        }
      }
    }
    return lagging;
  }
}
