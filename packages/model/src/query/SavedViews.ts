import type * as Y from 'yjs';
import { SwitchableMap } from '../workspace/SwitchableMap.ts';
import { validateName } from '../schema/fields.ts';
import { normalizeQuery, type TicketQuery } from './TicketQuery.ts';

export interface SavedView {
  readonly id: string;
  readonly name: string;
  readonly query: TicketQuery;
  readonly createdBy: string;
  readonly createdAt: number;
}

/**
 * Named list queries in a Y.Map of plain values (id → view). The same class serves the
 * shared views (root map `views` of the index doc, seen by every member) and the personal
 * ones (root map `views` of the member's private user doc).
 */
export class SavedViews {
  readonly #root: SwitchableMap<unknown>;

  constructor(map: Y.Map<unknown>) {
    this.#root = new SwitchableMap(map);
  }

  private get map(): Y.Map<unknown> {
    return this.#root.map;
  }

  /** The same root of another doc (`WorkspaceIndex.switchTo`): observers are told. */
  switchTo(map: Y.Map<unknown>): void {
    this.#root.switchTo(map);
  }

  list(): SavedView[] {
    const out: SavedView[] = [];
    this.map.forEach((value, id) => {
      if (!value || typeof value !== 'object') return;
      const raw = value as Partial<SavedView>;
      out.push({
        id,
        name: typeof raw.name === 'string' ? raw.name : 'View',
        query: normalizeQuery(raw.query),
        createdBy: typeof raw.createdBy === 'string' ? raw.createdBy : '',
        createdAt: typeof raw.createdAt === 'number' ? raw.createdAt : 0,
      });
    });
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
  }

  save(id: string, name: string, query: TicketQuery, createdBy: string, now: number): SavedView {
    const view: SavedView = {
      id,
      name: validateName(name, 'name', 60),
      query: normalizeQuery(query),
      createdBy,
      createdAt: now,
    };
    this.map.set(id, view);
    return view;
  }

  remove(id: string): void {
    this.map.delete(id);
  }

  observe(listener: () => void): () => void {
    return this.#root.observe(
      () => listener(),
      () => listener(),
    );
  }
}
