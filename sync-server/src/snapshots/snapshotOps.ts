import * as Y from 'yjs';
import { StoredIndex } from '@desk/model';
import type {
  ChangedEntry,
  EntryDiff,
  SnapshotNoticeSummary,
  SnapshotTicketSummary,
} from '@desk/protocol';
import { contentOf, docContent, rootKindOf, stableStringify } from './docContent.ts';
import { forwardRestore, mapAlong, restoreInto, type RestoreScope } from './forwardRestore.ts';
import { changedItems, itemDigest, type ChangedItem, type ItemPath } from './restoreItems.ts';
import { noticeSummary, ticketSummary } from './snapshotViews.ts';

export type EntryRoot = 'tickets' | 'notices';

/** Index entries whose own document may have changed: the caller compares their content. */
export interface EntryCandidate<T> {
  id: string;
  before: T;
  after: T;
  fields: string[];
}

export interface IndexDiff {
  tickets: EntryDiff<SnapshotTicketSummary> & {
    candidates: EntryCandidate<SnapshotTicketSummary>[];
  };
  notices: EntryDiff<SnapshotNoticeSummary> & {
    candidates: EntryCandidate<SnapshotNoticeSummary>[];
  };
}

/**
 * The snapshot work whose cost grows with a document's size: restoring, comparing, reading
 * whole documents. Pure functions of bytes in, plain data out, so HeavyYjs
 * (../offthread) can run them on its worker thread for large documents (the 10,000-ticket
 * index doc) and inline for small ones.
 */
export const snapshotOps = {
  forwardRestore(current: Uint8Array, target: Uint8Array, scope: RestoreScope): Uint8Array | null {
    return forwardRestore(current, target, scope);
  },

  /**
   * `target` (a snapshot's state) with the given map entries made as they are in `current`:
   * what a restore aims at when those entries must stay as they are now (content whose access
   * the operator disabled, terms §4). The forward restore then finds them equal and leaves
   * them; everything else still goes back to the snapshot.
   */
  keepAsNow(
    target: Uint8Array,
    current: Uint8Array,
    keep: readonly { root: string; keys: readonly string[] }[],
  ): Uint8Array {
    const goal = docOf(target);
    const now = docOf(current);
    try {
      for (const { root, keys } of keep) {
        restoreInto(goal, now, { kind: 'mapEntries', root, keys });
      }
      return Y.encodeStateAsUpdate(goal);
    } finally {
      goal.destroy();
      now.destroy();
    }
  },

  /**
   * forwardRestore, and the items the update changes with their content right after it
   * (restoreItems.ts), which the restore records for its undo.
   */
  recordedRestore(
    current: Uint8Array,
    target: Uint8Array,
    scope: RestoreScope,
  ): { update: Uint8Array | null; items: ChangedItem[] } {
    const work = docOf(current);
    const goal = docOf(target);
    // One ticket of a 10,000-ticket index: copy its entry, not the whole doc, to compare.
    const before =
      scope.kind === 'mapEntries' ? entriesCopy(work, scope.root, scope.keys) : docOf(current);
    try {
      const update = restoreInto(work, goal, scope);
      if (!update) return { update: null, items: [] };
      const within =
        scope.kind === 'mapEntries' ? { root: scope.root, keys: scope.keys } : undefined;
      return { update, items: changedItems(before, work, within) };
    } finally {
      before.destroy();
      work.destroy();
      goal.destroy();
    }
  },

  /**
   * The undo of one document's part of a restore: each recorded item whose content is
   * still what the restore left (nobody changed it since) goes back to `preRestore`'s
   * content, as one forward change; the others are left alone. Returns the update and the
   * indexes of the items undone and left alone.
   */
  undoItems(
    current: Uint8Array,
    preRestore: Uint8Array,
    items: readonly ChangedItem[],
  ): { update: Uint8Array | null; undone: number[]; leftAlone: number[] } {
    const work = docOf(current);
    const goal = docOf(preRestore);
    try {
      const undone: number[] = [];
      const leftAlone: number[] = [];
      items.forEach((item, i) => {
        const untouched = itemDigest(work, item.path) === item.after;
        (untouched && restorable(work, goal, item.path) ? undone : leftAlone).push(i);
      });
      const paths = undone.map((i) => items[i]!.path);
      const update = paths.length > 0 ? restoreInto(work, goal, { kind: 'items', paths }) : null;
      return { update, undone, leftAlone };
    } finally {
      work.destroy();
      goal.destroy();
    }
  },

  /** Number and title of index entries (channels: their name), for words about them. */
  entryLabels(
    state: Uint8Array,
    root: 'tickets' | 'notices' | 'channels',
    ids: readonly string[],
  ): Record<string, { number: number | null; title: string | null }> {
    const index = docOf(state);
    try {
      const out: Record<string, { number: number | null; title: string | null }> = {};
      const stored = new StoredIndex(index);
      for (const id of ids) {
        const fields = stored.fields(root, id);
        if (!fields || Object.keys(fields).length === 0) continue;
        const title = fields.title ?? fields.name;
        out[id] = {
          number: typeof fields.number === 'number' ? fields.number : null,
          title: typeof title === 'string' ? title : null,
        };
      }
      return out;
    } finally {
      index.destroy();
    }
  },

  contentKey(state: Uint8Array | null): string {
    if (!state) return '{}';
    const doc = docOf(state);
    try {
      return stableStringify(docContent(doc));
    } finally {
      doc.destroy();
    }
  },

  indexContents(state: Uint8Array): {
    tickets: SnapshotTicketSummary[];
    notices: SnapshotNoticeSummary[];
  } {
    const index = docOf(state);
    try {
      const stored = new StoredIndex(index);
      const tickets = stored.ids('tickets').map((id) => ticketSummary(stored.ticket(id)!));
      const notices = stored.ids('notices').map((id) => noticeSummary(stored.notice(id)!));
      tickets.sort((a, b) => (b.number ?? 0) - (a.number ?? 0) || (a.id < b.id ? -1 : 1));
      return { tickets, notices };
    } finally {
      index.destroy();
    }
  },

  /** The fields of one index entry, or null when the index does not have it. */
  entry(state: Uint8Array, root: EntryRoot, id: string): Record<string, unknown> | null {
    const index = docOf(state);
    try {
      return new StoredIndex(index).fields(root, id);
    } finally {
      index.destroy();
    }
  },

  /**
   * Entries added, removed and changed (index fields) between two index states; entries
   * in both whose own doc is in `movedIds` (all, when null) come back as candidates for
   * a content comparison.
   */
  indexDiff(
    then: Uint8Array,
    now: Uint8Array,
    movedIds: { tickets: string[]; notices: string[] } | null,
  ): IndexDiff {
    const before = docOf(then);
    const after = docOf(now);
    try {
      return {
        tickets: diffEntries(
          new StoredIndex(before),
          new StoredIndex(after),
          'tickets',
          (index, id) => ticketSummary(index.ticket(id)!),
          movedIds?.tickets,
        ),
        notices: diffEntries(
          new StoredIndex(before),
          new StoredIndex(after),
          'notices',
          (index, id) => noticeSummary(index.notice(id)!),
          movedIds?.notices,
        ),
      };
    } finally {
      before.destroy();
      after.destroy();
    }
  },
};

/** A doc holding only these entries of root map `root` of `doc` (copies). */
function entriesCopy(doc: Y.Doc, root: string, keys: readonly string[]): Y.Doc {
  const copy = new Y.Doc();
  const from = doc.getMap<unknown>(root);
  const to = copy.getMap<unknown>(root);
  for (const key of keys) {
    if (!from.has(key)) continue;
    const value = from.get(key);
    to.set(key, value instanceof Y.AbstractType ? value.clone() : value);
  }
  return copy;
}

/** Whether the item's parents exist on both sides, so restoreInto can set it. */
function restorable(work: Y.Doc, goal: Y.Doc, path: ItemPath): boolean {
  const [name, ...keys] = path;
  if (name === undefined) return false;
  if (keys.length === 0) {
    const have = rootKindOf(work.share.get(name));
    const want = rootKindOf(goal.share.get(name));
    return have === 'unknown' || want === 'unknown' || have === want;
  }
  const parents = keys.slice(0, -1);
  return mapAlong(work, name, parents) !== null && mapAlong(goal, name, parents) !== null;
}

function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

function diffEntries<T>(
  then: StoredIndex,
  now: StoredIndex,
  root: EntryRoot,
  summary: (index: StoredIndex, id: string) => T,
  moved: string[] | undefined,
): EntryDiff<T> & { candidates: EntryCandidate<T>[] } {
  const before = fieldsOf(then, root);
  const after = fieldsOf(now, root);
  const movedSet = moved ? new Set(moved) : null;
  const diff: EntryDiff<T> & { candidates: EntryCandidate<T>[] } = {
    added: [],
    removed: [],
    changed: [],
    candidates: [],
  };
  for (const id of after.keys()) if (!before.has(id)) diff.added.push(summary(now, id));
  for (const [id, entry] of before) {
    const current = after.get(id);
    if (current === undefined) {
      diff.removed.push(summary(then, id));
      continue;
    }
    const fields = changedFields(entry, current);
    const candidate = !movedSet || movedSet.has(id);
    if (candidate) {
      diff.candidates.push({ id, before: summary(then, id), after: summary(now, id), fields });
    } else if (fields.length > 0) {
      const changed: ChangedEntry<T> = {
        before: summary(then, id),
        after: summary(now, id),
        fields,
        contentChanged: false,
      };
      diff.changed.push(changed);
    }
  }
  return diff;
}

/** Every row of an index root map, its fields as stored, by id. */
function fieldsOf(index: StoredIndex, root: EntryRoot): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const id of index.ids(root)) out.set(id, index.fields(root, id)!);
  return out;
}

/**
 * Index fields that differ. Bookkeeping fields that follow from other changes (updatedAt,
 * the search text and comment count mirrored from the ticket doc) are left out: the
 * `contentChanged` flag already tells that story.
 */
export const derivedFields: ReadonlySet<string> = new Set([
  'updatedAt',
  'searchText',
  'commentCount',
  'excerpt',
]);

function changedFields(then: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(then), ...Object.keys(now)]);
  return [...keys]
    .filter((key) => !derivedFields.has(key))
    .filter((key) => stableStringify(contentOf(then[key])) !== stableStringify(contentOf(now[key])))
    .sort();
}

type SnapshotOps = typeof snapshotOps;

declare module '../offthread/HeavyOpTable.ts' {
  // Snapshots, diffs and restores of large documents run on the worker (worker/heavyOps.ts).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends SnapshotOps {}
}
