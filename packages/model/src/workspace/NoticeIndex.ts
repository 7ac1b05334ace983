import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import { validateName } from '../schema/fields.ts';
import {
  readBoolean,
  readNumber,
  readString,
  setIfChanged,
  type AnyMap,
  type FieldReader,
} from '../schema/read.ts';
import { SwitchableMap } from './SwitchableMap.ts';

export interface NoticeRecord {
  readonly id: string;
  readonly title: string;
  readonly pinned: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  readonly createdByName: string;
  readonly deleted: boolean;
  /** First characters of the body, for the notice list. */
  readonly excerpt: string;
}

/**
 * Notices (announcements): root map `notices` of the index doc, id → small fields. The
 * rich-text body lives in its own `<ws>:notice:<id>` doc (see NoticeDoc) so the list of
 * notices does not carry every body.
 */
export class NoticeIndex {
  readonly #root: SwitchableMap<AnyMap>;

  constructor(doc: Y.Doc) {
    this.#root = new SwitchableMap(doc.getMap<AnyMap>('notices'));
  }

  get map(): Y.Map<AnyMap> {
    return this.#root.map;
  }

  get doc(): Y.Doc {
    return this.#root.map.doc!;
  }

  /** Another generation of the index (`WorkspaceIndex.switchTo`): observers are told. */
  switchTo(doc: Y.Doc): void {
    this.#root.switchTo(doc.getMap<AnyMap>('notices'));
  }

  get(id: string): NoticeRecord | null {
    const entry = this.map.get(id);
    return entry instanceof Y.Map ? readNotice(id, entry) : null;
  }

  /** Live notices, pinned first, newest first. */
  list(includeDeleted = false): NoticeRecord[] {
    const out: NoticeRecord[] = [];
    this.map.forEach((entry, id) => {
      if (!(entry instanceof Y.Map)) return;
      const notice = readNotice(id, entry);
      if (includeDeleted || !notice.deleted) out.push(notice);
    });
    return out.sort(
      (a, b) => Number(b.pinned) - Number(a.pinned) || b.createdAt - a.createdAt || cmp(a.id, b.id),
    );
  }

  create(id: string, title: string, actor: Actor, now: number): NoticeRecord {
    if (!this.map.has(id)) {
      const entry = new Y.Map<unknown>();
      entry.set('title', validateName(title, 'title', 200));
      entry.set('pinned', false);
      entry.set('createdAt', now);
      entry.set('updatedAt', now);
      entry.set('createdBy', actor.id);
      entry.set('createdByName', actor.name);
      entry.set('deleted', false);
      entry.set('excerpt', '');
      this.map.set(id, entry);
    }
    return this.get(id)!;
  }

  update(
    id: string,
    patch: { title?: string; pinned?: boolean; deleted?: boolean; excerpt?: string },
    now: number,
  ): void {
    const entry = this.map.get(id);
    if (!(entry instanceof Y.Map)) {
      throw new ModelError(ModelErrorCode.notFound, 'This notice does not exist (any more).');
    }
    this.doc.transact(() => {
      let changed = false;
      if (patch.title !== undefined) {
        changed = setIfChanged(entry, 'title', validateName(patch.title, 'title', 200)) || changed;
      }
      if (patch.pinned !== undefined)
        changed = setIfChanged(entry, 'pinned', patch.pinned) || changed;
      if (patch.deleted !== undefined) {
        changed = setIfChanged(entry, 'deleted', patch.deleted) || changed;
      }
      if (patch.excerpt !== undefined) setIfChanged(entry, 'excerpt', patch.excerpt.slice(0, 280));
      if (changed) entry.set('updatedAt', now);
    });
  }

  observe(listener: () => void): () => void {
    return this.#root.observeDeep(
      () => listener(),
      () => listener(),
    );
  }
}

/** A notice row's fields (a Y.Map, or plain stored fields) as a record. */
export function readNotice(id: string, map: FieldReader): NoticeRecord {
  return {
    id,
    title: readString(map, 'title', '(untitled)'),
    pinned: readBoolean(map, 'pinned'),
    createdAt: readNumber(map, 'createdAt'),
    updatedAt: readNumber(map, 'updatedAt'),
    createdBy: readString(map, 'createdBy'),
    createdByName: readString(map, 'createdByName'),
    deleted: readBoolean(map, 'deleted'),
    excerpt: readString(map, 'excerpt'),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
