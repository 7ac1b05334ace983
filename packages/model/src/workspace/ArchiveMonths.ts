import type * as Y from 'yjs';

const MONTH = /^\d{4}-\d{2}$/;

/**
 * Which archive shards exist (`archives` root map of the index: "YYYY-MM" → true), so a
 * list can say that older months are not loaded without loading them. Set-only: two
 * devices adding the same month write the same value.
 */
export class ArchiveMonths {
  constructor(readonly map: Y.Map<unknown>) {}

  /** Newest first. */
  list(): string[] {
    return [...this.map.keys()].filter((m) => MONTH.test(m)).sort((a, b) => (a < b ? 1 : -1));
  }

  has(month: string): boolean {
    return this.map.get(month) === true;
  }

  add(month: string): void {
    if (!MONTH.test(month)) throw new Error(`not a month: ${month}`);
    if (this.map.get(month) !== true) this.map.set(month, true);
  }

  observe(listener: () => void): () => void {
    const handler = () => listener();
    this.map.observe(handler);
    return () => this.map.unobserve(handler);
  }
}
