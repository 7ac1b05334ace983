import type {
  RestoreRequest,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotNoticeResponse,
  SnapshotSummary,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol';
import { ApiError } from '$lib/api/api.ts';
import { snapshotApi } from '$lib/api/snapshotApi.ts';

export type SnapshotTab = 'changes' | 'contents';

export type Opened =
  | { kind: 'ticket'; id: string; data: SnapshotTicketResponse }
  | { kind: 'notice'; id: string; data: SnapshotNoticeResponse };

/**
 * What a confirmation dialog is about to do: restore from `snapshot`, or undo the restore
 * that `snapshot` (a pre-restore snapshot) was taken before.
 */
export type PendingRestore =
  | {
      undo: false;
      snapshot: SnapshotSummary;
      request: RestoreRequest;
      /** Words for the dialog: "the whole workspace", "the ticket “Printer”". */
      what: string;
    }
  | { undo: true; snapshot: SnapshotSummary; what: string };

/**
 * State of the snapshots page: the list, the selected snapshot (its changes since, its
 * contents, an opened ticket or notice as it was) and restores with their undo. Restore
 * here rolls CONTENT back as a forward change; it is not the operator's database restore.
 */
export class SnapshotBrowser {
  snapshots = $state<SnapshotSummary[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  busy = $state<string | null>(null);

  selected = $state<SnapshotSummary | null>(null);
  tab = $state<SnapshotTab>('changes');
  diff = $state<SnapshotDiffResponse | null>(null);
  contents = $state<SnapshotContentsResponse | null>(null);
  opened = $state<Opened | null>(null);

  pending = $state<PendingRestore | null>(null);
  /** After a restore: what was done, and the snapshot that undoes it. */
  lastRestore = $state<{ what: string; undoSnapshotId: string; changedDocs: number } | null>(null);
  /** After an undo: what it put back and what it left alone, for the confirmation. */
  lastUndo = $state<{ what: string; report: UndoRestoreResponse } | null>(null);

  constructor(readonly slug: string) {}

  async load(): Promise<void> {
    await this.#run('Loading snapshots…', async () => {
      this.snapshots = (await snapshotApi.list(this.slug)).snapshots;
      this.loaded = true;
    });
  }

  async take(label: string): Promise<void> {
    await this.#run('Taking a snapshot…', async () => {
      const { snapshot } = await snapshotApi.take(this.slug, label);
      this.snapshots = [snapshot, ...this.snapshots];
    });
  }

  async select(snapshot: SnapshotSummary, tab: SnapshotTab = this.tab): Promise<void> {
    this.selected = snapshot;
    this.opened = null;
    this.diff = null;
    this.contents = null;
    await this.show(tab);
  }

  async show(tab: SnapshotTab): Promise<void> {
    const snapshot = this.selected;
    if (!snapshot) return;
    this.tab = tab;
    if (tab === 'changes' && !this.diff) {
      await this.#run('Comparing with today…', async () => {
        this.diff = await snapshotApi.diff(this.slug, snapshot.id);
      });
    } else if (tab === 'contents' && !this.contents) {
      await this.#run('Reading the snapshot…', async () => {
        this.contents = await snapshotApi.contents(this.slug, snapshot.id);
      });
    }
  }

  async open(kind: 'ticket' | 'notice', id: string): Promise<void> {
    const snapshot = this.selected;
    if (!snapshot) return;
    await this.#run('Opening…', async () => {
      this.opened =
        kind === 'ticket'
          ? { kind, id, data: await snapshotApi.ticket(this.slug, snapshot.id, id) }
          : { kind, id, data: await snapshotApi.notice(this.slug, snapshot.id, id) };
    });
  }

  close(): void {
    this.opened = null;
  }

  ask(pending: PendingRestore): void {
    this.pending = pending;
  }

  cancel(): void {
    this.pending = null;
  }

  async confirm(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    await this.#run(pending.undo ? 'Undoing the restore…' : 'Restoring…', async () => {
      if (pending.undo) {
        const report = await snapshotApi.undo(this.slug, pending.snapshot.id);
        this.lastRestore = null;
        this.lastUndo = { what: pending.what, report };
      } else {
        const result = await snapshotApi.restore(this.slug, pending.snapshot.id, pending.request);
        this.lastUndo = null;
        this.lastRestore = {
          what: pending.what,
          undoSnapshotId: result.preRestoreSnapshotId,
          changedDocs: result.changedDocs,
        };
      }
      this.snapshots = (await snapshotApi.list(this.slug)).snapshots;
      // Today's content changed: the comparison must be made again.
      this.diff = null;
      if (this.selected && this.tab === 'changes') await this.show('changes');
    });
  }

  /** Undo the last restore: only what it changed, where nobody changed it since. */
  undoLast(): void {
    const last = this.lastRestore;
    const snapshot = last && this.snapshots.find((s) => s.id === last.undoSnapshotId);
    if (!last || !snapshot) return;
    this.ask({ undo: true, snapshot, what: `the restore of ${last.what}` });
  }

  async #run(label: string, job: () => Promise<void>): Promise<void> {
    this.busy = label;
    this.error = null;
    try {
      await job();
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Something went wrong.';
    } finally {
      this.busy = null;
    }
  }
}
