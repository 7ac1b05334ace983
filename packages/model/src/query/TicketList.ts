import type { TicketRecord } from '../workspace/TicketRecord.ts';
import { compileQuery, type CompiledQuery, type TicketQuery } from './TicketQuery.ts';
import type { TicketSource } from './TicketSource.ts';

/**
 * A filtered, sorted view over ticket sources — the hot index and whichever archive shards
 * are loaded — that updates incrementally: when tickets change, only those rows are re-read,
 * re-matched and moved (binary search into the sorted array). A remote edit costs
 * O(changed · log n) comparisons plus two array splices.
 *
 * Every record is also kept in the sort order, unfiltered (`ordered`), so a filter or a
 * search text that changes is one matching pass over it, never a sort: sorting happens only
 * when the sort field or direction changes, or a source is added (issue 15: a keystroke or a
 * filter click at 10,000 tickets must be answered within a frame or two).
 *
 * A ticket held by two sources (mid-move between the hot index and a shard) shows once:
 * the earlier source wins, and the hot index is always first.
 */
export class TicketList {
  private records = new Map<string, TicketRecord>();
  private compiled: CompiledQuery;
  private sorted: TicketRecord[] = [];
  /** Every record (unfiltered), in the order of `compiled.compare`. */
  private ordered: TicketRecord[] = [];
  /** The sort `ordered` is in (`sort:direction`); another one re-sorts it. */
  private orderedBy = '';
  private listeners = new Set<(rows: readonly TicketRecord[]) => void>();
  private readonly sources: TicketSource[] = [];
  private readonly stops: (() => void)[] = [];
  private textMatches: ReadonlySet<string> | null = null;
  /** Tickets whose content is not shown (terms §4): a text matches them by number only. */
  private withheld: ReadonlySet<string> = new Set();
  /** Live (not deleted) tickets and how many carry each tag, kept as rows change. */
  private live = 0;
  private readonly tagCounts = new Map<string, number>();

  constructor(
    sources: TicketSource | readonly TicketSource[],
    query: TicketQuery,
    private me: string,
  ) {
    this.compiled = compileQuery(query, me);
    for (const source of Array.isArray(sources) ? sources : [sources]) this.attach(source);
    this.reorder();
    this.rebuild();
  }

  get rows(): readonly TicketRecord[] {
    return this.sorted;
  }

  get query(): TicketQuery {
    return this.compiled.query;
  }

  /** Every record of every source (unfiltered), e.g. to list the tags in use. */
  get allRecords(): IterableIterator<TicketRecord> {
    return this.records.values();
  }

  get(id: string): TicketRecord | null {
    return this.records.get(id) ?? null;
  }

  /** How many tickets are not deleted, across every source (kept incrementally). */
  get liveCount(): number {
    return this.live;
  }

  /** Tags of live tickets, sorted (kept incrementally: no pass over every row per change). */
  get tags(): string[] {
    return [...this.tagCounts.keys()].sort();
  }

  setQuery(query: TicketQuery, me = this.me): void {
    const narrows = me === this.me && narrowsText(this.compiled.query, query);
    // Full-text matches belong to the text they answered; a new text waits for its own.
    if (query.text !== this.compiled.query.text) this.textMatches = null;
    this.me = me;
    this.compiled = compileQuery(query, me, this.textMatches, this.withheld);
    if (narrows) {
      // Typing on (the text only grew): every match is among the rows shown, already sorted.
      this.sorted = this.sorted.filter(this.compiled.matches);
    } else {
      if (orderOf(query) !== this.orderedBy) this.reorder();
      this.rebuild();
    }
    this.emit();
  }

  /**
   * Ids a full-text search found for the query's text; null to match the small fields only.
   * Cleared by `setQuery` when the text changes.
   */
  setTextMatches(ids: ReadonlySet<string> | null): void {
    this.textMatches = ids;
    this.compiled = compileQuery(this.compiled.query, this.me, ids, this.withheld);
    this.rebuild();
    this.emit();
  }

  /**
   * Tickets whose content is not shown (the operator disabled access to it, terms §4): a
   * search text matches them by their number only, never by their hidden title or text.
   */
  setWithheld(ids: ReadonlySet<string>): void {
    this.withheld = ids;
    this.compiled = compileQuery(this.compiled.query, this.me, this.textMatches, ids);
    // Only a search text treats them differently: without one, the rows stay as they are.
    if (this.compiled.query.text.trim() === '') return;
    this.rebuild();
    this.emit();
  }

  /** Merges one more source (an archive shard just loaded). */
  addSource(source: TicketSource): void {
    if (this.sources.includes(source)) return;
    this.attach(source);
    this.reorder();
    this.rebuild();
    this.emit();
  }

  subscribe(listener: (rows: readonly TicketRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    for (const stop of this.stops) stop();
    this.listeners.clear();
  }

  private attach(source: TicketSource): void {
    this.sources.push(source);
    for (const record of source.all()) {
      if (!this.records.has(record.id)) this.setRecord(record.id, record);
    }
    this.stops.push(source.observe((ids) => this.applyChanges(ids)));
  }

  /** The record as the first source holding it has it. */
  private lookup(id: string): TicketRecord | null {
    for (const source of this.sources) {
      const record = source.get(id);
      if (record) return record;
    }
    return null;
  }

  /** Sorts every record anew: only for another sort, or records added in bulk. */
  private reorder(): void {
    this.ordered = [...this.records.values()].sort(this.compiled.compare);
    this.orderedBy = orderOf(this.compiled.query);
  }

  /** The rows for the current filters: one pass over the records in order, no sort. */
  private rebuild(): void {
    this.sorted = this.ordered.filter(this.compiled.matches);
  }

  private applyChanges(ids: Set<string>): void {
    const { matches } = this.compiled;
    // Work on a copy: consumers hold the previous array and compare by identity.
    const next = this.sorted.slice();
    for (const id of ids) {
      const before = this.records.get(id);
      const after = this.lookup(id);
      if (before && matches(before)) this.remove(next, before);
      if (before) this.remove(this.ordered, before);
      this.setRecord(id, after);
      if (after) this.insert(this.ordered, after);
      if (after && matches(after)) this.insert(next, after);
    }
    this.sorted = next;
    this.emit();
  }

  /** Replaces (or, with null, removes) a record, keeping the counts right. */
  private setRecord(id: string, record: TicketRecord | null): void {
    const before = this.records.get(id);
    if (before) this.count(before, -1);
    if (record) {
      this.records.set(id, record);
      this.count(record, 1);
    } else {
      this.records.delete(id);
    }
  }

  private count(record: TicketRecord, sign: 1 | -1): void {
    if (record.deleted) return;
    this.live += sign;
    for (const tag of record.tags) {
      const n = (this.tagCounts.get(tag) ?? 0) + sign;
      if (n > 0) this.tagCounts.set(tag, n);
      else this.tagCounts.delete(tag);
    }
  }

  private position(rows: TicketRecord[], record: TicketRecord): number {
    const { compare } = this.compiled;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(rows[mid]!, record) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insert(rows: TicketRecord[], record: TicketRecord): void {
    rows.splice(this.position(rows, record), 0, record);
  }

  private remove(rows: TicketRecord[], record: TicketRecord): void {
    const at = this.position(rows, record);
    if (rows[at]?.id === record.id) {
      rows.splice(at, 1);
      return;
    }
    // The stored record's sort key changed underneath (should not happen); fall back.
    const index = rows.findIndex((r) => r.id === record.id);
    if (index >= 0) rows.splice(index, 1);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.sorted);
  }
}

/** The part of a query that decides the order of the rows. */
function orderOf(query: TicketQuery): string {
  return `${query.sort}:${query.direction}`;
}

/**
 * Whether `next` can only match a subset of what `previous` matched: the same query but
 * for text that extends the previous text (each term of the old text is a substring of a
 * term of the new one). Text matches from a full-text search are replaced on every text
 * change, so this holds for the small-field matching the list does itself.
 */
function narrowsText(previous: TicketQuery, next: TicketQuery): boolean {
  if (
    previous.text === next.text ||
    !next.text.toLowerCase().startsWith(previous.text.toLowerCase())
  ) {
    return false;
  }
  const rest = (q: TicketQuery) => JSON.stringify({ ...q, text: '' });
  return rest(previous) === rest(next);
}
