/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are built locally and
   published by replacing a $state.raw value, never mutated in place while observed. */
import {
  DEFAULT_QUERY,
  newId,
  setTicketDeleted,
  TicketList,
  updateTicket,
  type SavedView,
  type TicketFields,
  type TicketQuery,
  type TicketRecord,
  type TicketTextSearch,
} from '@desk/model';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';
import { listQueryOf, listQueryStorageKey } from './firstScreen.ts';

/**
 * The ticket list's state: the query (kept in the URL-independent session storage so going
 * back to the list restores it), the incrementally maintained rows, the multi-selection and
 * the saved views (mine from my private user doc, shared ones from the index).
 *
 * Rows come from the hot index and every archive shard loaded on this device; the list
 * says how many archived months are not loaded (`archivedNotLoaded`) and loads them on
 * request. Text search uses a full-text search when one is attached (`attachTextSearch`).
 */
export class TicketListState {
  rows = $state.raw<readonly TicketRecord[]>([]);
  query = $state.raw<TicketQuery>(DEFAULT_QUERY);
  selected = $state.raw<ReadonlySet<string>>(new Set());
  myViews = $state.raw<SavedView[]>([]);
  sharedViews = $state.raw<SavedView[]>([]);
  activeViewId = $state<string | null>(null);
  /** Tags in use, for the tag filter. */
  tags = $state.raw<string[]>([]);
  total = $state(0);

  private list: TicketList;
  private cleanups: (() => void)[] = [];
  private readonly storageKey: string;
  private textSearch: TicketTextSearch | null = null;
  /** Bumped per search asked, so a slow answer to an older text is dropped. */
  private searchSeq = 0;

  constructor(private readonly desk: DeskWorkspace) {
    this.storageKey = listQueryStorageKey(desk.workspace!.id);
    this.query = listQueryOf(desk.workspace!.id);
    this.list = new TicketList(
      [desk.index.tickets, ...desk.archive.shards()],
      this.query,
      desk.me!.id,
    );
    // Terms §4: a disabled ticket is found by its number only, never by its hidden words.
    this.list.setWithheld(desk.disabled.withheldTickets);
    this.rows = this.list.rows;
    this.refreshMeta();
    this.cleanups.push(
      desk.disabled.onChange(() => {
        this.list.setWithheld(desk.disabled.withheldTickets);
        this.rows = this.list.rows;
      }),
      this.list.subscribe((rows) => {
        this.rows = rows;
        this.pruneSelection();
        this.refreshMeta();
      }),
      desk.archive.onLoaded((shard) => this.list.addSource(shard)),
      desk.user.views.observe(() => this.refreshViews()),
      desk.index.sharedViews.observe(() => this.refreshViews()),
    );
    this.refreshViews();
  }

  /** The count beside the heading: "120", or "40 of 5,102" when filters hide some. */
  get countText(): string {
    return this.rows.length === this.total || this.query.deleted
      ? String(this.rows.length)
      : `${this.rows.length} of ${this.total}`;
  }

  /** Archived months whose tickets this device has not loaded, newest first. */
  get archivedNotLoaded(): string[] {
    return this.desk.archive.notLoaded;
  }

  get loadingArchive(): boolean {
    return this.desk.archive.loading;
  }

  /** Loads every archived month, so the list, board and filters cover old tickets too. */
  loadArchive(): Promise<void> {
    return this.desk.archive.loadAll();
  }

  /**
   * Lets a full-text search answer the query's text (descriptions, threads); until it
   * answers, and for the number, title, tags and requester, the small fields match. The app
   * attaches the device search with disabled content left out (terms §4:
   * `moderatedSearchOf`), so words only in a disabled ticket or comment find nothing.
   */
  attachTextSearch(search: TicketTextSearch): () => void {
    this.textSearch = search;
    const off = search.onChange(() => this.runTextSearch());
    this.runTextSearch();
    return () => {
      off();
      if (this.textSearch !== search) return;
      this.textSearch = null;
      this.searchSeq += 1;
      this.list.setTextMatches(null);
    };
  }

  /** A ticket's record as the list holds it (hot index or a loaded shard); null if not held. */
  record(ticketId: string): TicketRecord | null {
    return this.list.get(ticketId);
  }

  setQuery(patch: Partial<TicketQuery>, keepView = false): void {
    const textChanged = patch.text !== undefined && patch.text !== this.query.text;
    this.query = { ...this.query, ...patch };
    if (!keepView) this.activeViewId = null;
    sessionStorage.setItem(this.storageKey, JSON.stringify(this.query));
    // The list drops the previous text's full-text matches itself; an answer still on its
    // way for that text is ignored (runTextSearch below takes a new sequence number).
    this.list.setQuery(this.query);
    this.rows = this.list.rows;
    if (textChanged) this.runTextSearch();
  }

  applyView(view: SavedView): void {
    this.activeViewId = view.id;
    this.setQuery(view.query, true);
  }

  saveView(name: string, shared: boolean): SavedView {
    const store = shared ? this.desk.index.sharedViews : this.desk.user.views;
    const view = store.save(newId(), name, this.query, this.desk.me!.id, Date.now());
    this.activeViewId = view.id;
    return view;
  }

  deleteView(view: SavedView): void {
    this.desk.user.views.remove(view.id);
    this.desk.index.sharedViews.remove(view.id);
    if (this.activeViewId === view.id) this.activeViewId = null;
  }

  toggle(id: string): void {
    const next = new Set(this.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selected = next;
  }

  selectAll(): void {
    this.selected =
      this.selected.size === this.rows.length ? new Set() : new Set(this.rows.map((r) => r.id));
  }

  clearSelection(): void {
    this.selected = new Set();
  }

  /**
   * One change to every selected ticket, each with its own history line. The index
   * changes in one transaction: one update to send, one pass of the lists over the changed
   * rows (not one per ticket).
   */
  bulkUpdate(patch: Partial<TicketFields>): void {
    const now = Date.now();
    this.desk.index.doc.transact(() => {
      for (const id of this.selected) {
        this.desk.archive.restore(id);
        this.desk.withTicketDoc(id, (ticket) =>
          updateTicket(this.desk.index, ticket, id, patch, this.desk.actor, now),
        );
      }
    });
  }

  bulkDelete(deleted: boolean): void {
    const now = Date.now();
    this.desk.index.doc.transact(() => {
      for (const id of this.selected) {
        this.desk.archive.restore(id);
        this.desk.withTicketDoc(id, (ticket) =>
          setTicketDeleted(this.desk.index, ticket, id, deleted, this.desk.actor, now),
        );
      }
    });
    this.clearSelection();
  }

  destroy(): void {
    this.searchSeq += 1;
    for (const cleanup of this.cleanups) cleanup();
    this.list.destroy();
  }

  private runTextSearch(): void {
    const search = this.textSearch;
    const text = this.query.text.trim();
    if (!search || !text) return;
    const seq = ++this.searchSeq;
    search.search(text).then(
      (ids) => {
        if (seq !== this.searchSeq) return;
        this.list.setTextMatches(ids);
        this.rows = this.list.rows;
      },
      () => undefined, // no full-text answer: the small fields keep answering
    );
  }

  private pruneSelection(): void {
    if (!this.selected.size) return;
    const visible = new Set(this.rows.map((r) => r.id));
    const next = new Set([...this.selected].filter((id) => visible.has(id)));
    if (next.size !== this.selected.size) this.selected = next;
  }

  /** Kept incrementally by the list: no pass over every ticket per change (issue 15). */
  private refreshMeta(): void {
    this.total = this.list.liveCount;
    const tags = this.list.tags;
    if (tags.length !== this.tags.length || tags.some((t, i) => t !== this.tags[i])) {
      this.tags = tags;
    }
  }

  private refreshViews(): void {
    this.myViews = this.desk.user.views.list();
    this.sharedViews = this.desk.index.sharedViews.list();
  }
}
