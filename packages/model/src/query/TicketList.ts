import type { TicketIndex } from '../workspace/TicketIndex.ts';
import type { TicketRecord } from '../workspace/TicketRecord.ts';
import { compileQuery, type CompiledQuery, type TicketQuery } from './TicketQuery.ts';

/**
 * A filtered, sorted view of the ticket index that updates incrementally: when tickets
 * change, only those rows are re-read, re-matched and moved (binary search into the sorted
 * array). A full pass happens only when the query itself changes. With 10,000 tickets a
 * remote edit costs O(changed · log n) comparisons plus one array splice.
 */
export class TicketList {
  private records = new Map<string, TicketRecord>();
  private compiled: CompiledQuery;
  private sorted: TicketRecord[] = [];
  private listeners = new Set<(rows: readonly TicketRecord[]) => void>();
  private stopObserving: () => void;

  constructor(
    private readonly index: TicketIndex,
    query: TicketQuery,
    private me: string,
  ) {
    this.compiled = compileQuery(query, me);
    for (const record of index.all()) this.records.set(record.id, record);
    this.rebuild();
    this.stopObserving = index.observe((ids) => this.applyChanges(ids));
  }

  get rows(): readonly TicketRecord[] {
    return this.sorted;
  }

  get query(): TicketQuery {
    return this.compiled.query;
  }

  /** Every live record (unfiltered), e.g. to list the tags in use. */
  get allRecords(): IterableIterator<TicketRecord> {
    return this.records.values();
  }

  setQuery(query: TicketQuery, me = this.me): void {
    this.me = me;
    this.compiled = compileQuery(query, me);
    this.rebuild();
    this.emit();
  }

  subscribe(listener: (rows: readonly TicketRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    this.stopObserving();
    this.listeners.clear();
  }

  private rebuild(): void {
    const { matches, compare } = this.compiled;
    this.sorted = [...this.records.values()].filter(matches).sort(compare);
  }

  private applyChanges(ids: Set<string>): void {
    const { matches } = this.compiled;
    // Work on a copy: consumers hold the previous array and compare by identity.
    const next = this.sorted.slice();
    for (const id of ids) {
      const before = this.records.get(id);
      const after = this.index.get(id);
      if (before && matches(before)) this.remove(next, before);
      if (after) {
        this.records.set(id, after);
        if (matches(after)) this.insert(next, after);
      } else {
        this.records.delete(id);
      }
    }
    this.sorted = next;
    this.emit();
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
