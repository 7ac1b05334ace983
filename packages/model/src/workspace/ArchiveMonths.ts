import type * as Y from 'yjs';
import { SwitchableMap } from './SwitchableMap.ts';

const MONTH = /^\d{4}-\d{2}$/;

/**
 * Which archive shards exist (`archives` root map of the index: "YYYY-MM" → true), so a
 * list can say that older months are not loaded without loading them. Set-only: two
 * devices adding the same month write the same value.
 */
export class ArchiveMonths {
  readonly #root: SwitchableMap<unknown>;

  constructor(map: Y.Map<unknown>) {
    this.#root = new SwitchableMap(map);
  }

  get map(): Y.Map<unknown> {
    return this.#root.map;
  }

  /** The same root of another doc (`WorkspaceIndex.switchTo`): observers are told. */
  switchTo(map: Y.Map<unknown>): void {
    this.#root.switchTo(map);
  }

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
    return this.#root.observe(
      () => listener(),
      () => listener(),
    );
  }
}
