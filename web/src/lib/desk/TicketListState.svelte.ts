/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are built locally and
   published by replacing a $state.raw value, never mutated in place while observed. */
import {
  DEFAULT_QUERY,
  newId,
  normalizeQuery,
  setTicketDeleted,
  TicketList,
  updateTicket,
  type SavedView,
  type TicketFields,
  type TicketQuery,
  type TicketRecord,
} from '@desk/model';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';

/**
 * The ticket list's state: the query (kept in the URL-independent session storage so going
 * back to the list restores it), the incrementally maintained rows, the multi-selection and
 * the saved views (mine from my private user doc, shared ones from the index).
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

  constructor(private readonly desk: DeskWorkspace) {
    this.storageKey = `desk:query:${desk.workspace!.id}`;
    const stored = sessionStorage.getItem(this.storageKey);
    this.query = stored ? normalizeQuery(JSON.parse(stored)) : DEFAULT_QUERY;
    this.list = new TicketList(desk.index.tickets, this.query, desk.me!.id);
    this.rows = this.list.rows;
    this.refreshMeta();
    this.cleanups.push(
      this.list.subscribe((rows) => {
        this.rows = rows;
        this.pruneSelection();
        this.refreshMeta();
      }),
      desk.user.views.observe(() => this.refreshViews()),
      desk.index.sharedViews.observe(() => this.refreshViews()),
    );
    this.refreshViews();
  }

  setQuery(patch: Partial<TicketQuery>, keepView = false): void {
    this.query = { ...this.query, ...patch };
    if (!keepView) this.activeViewId = null;
    sessionStorage.setItem(this.storageKey, JSON.stringify(this.query));
    this.list.setQuery(this.query);
    this.rows = this.list.rows;
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

  /** One change to every selected ticket, each with its own history line. */
  bulkUpdate(patch: Partial<TicketFields>): void {
    const now = Date.now();
    for (const id of this.selected) {
      this.desk.withTicketDoc(id, (ticket) =>
        updateTicket(this.desk.index, ticket, id, patch, this.desk.actor, now),
      );
    }
  }

  bulkDelete(deleted: boolean): void {
    const now = Date.now();
    for (const id of this.selected) {
      this.desk.withTicketDoc(id, (ticket) =>
        setTicketDeleted(this.desk.index, ticket, id, deleted, this.desk.actor, now),
      );
    }
    this.clearSelection();
  }

  destroy(): void {
    for (const cleanup of this.cleanups) cleanup();
    this.list.destroy();
  }

  private pruneSelection(): void {
    if (!this.selected.size) return;
    const visible = new Set(this.rows.map((r) => r.id));
    const next = new Set([...this.selected].filter((id) => visible.has(id)));
    if (next.size !== this.selected.size) this.selected = next;
  }

  private refreshMeta(): void {
    const tags = new Set<string>();
    let total = 0;
    for (const record of this.list.allRecords) {
      if (record.deleted) continue;
      total += 1;
      for (const tag of record.tags) tags.add(tag);
    }
    this.total = total;
    this.tags = [...tags].sort();
  }

  private refreshViews(): void {
    this.myViews = this.desk.user.views.list();
    this.sharedViews = this.desk.index.sharedViews.list();
  }
}
