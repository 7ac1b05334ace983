import { indexGenerationOf } from '@desk/model';
import { parseDocId, type UndoEntry } from '@desk/protocol';
import type { ItemPath } from './restoreItems.ts';
import { derivedFields } from './snapshotOps.ts';

/** An item of a restore, in its document. */
export interface ItemRef {
  docId: string;
  path: ItemPath;
}

type Kind = UndoEntry['kind'];

/** Index roots whose entries are things people name, and the kind of thing. */
const entryRoots: Record<string, Kind> = {
  tickets: 'ticket',
  notices: 'notice',
  channels: 'channel',
};
const docKinds: Record<string, Kind> = { ticket: 'ticket', notice: 'notice', channel: 'channel' };

/**
 * Which ticket, notice or channel an item belongs to, and which part of it: an index
 * field (`status`), `entry` (the whole index entry), or a root of its own document
 * (`description`, `comments`, `body`). Null for bookkeeping nobody needs to read about:
 * fields mirrored from other changes (updatedAt, searchText, …) and schema versions.
 */
export function subjectOf(item: ItemRef): { kind: Kind; id: string; part: string } | null {
  const [root, key, field] = item.path;
  if (root === undefined || root === 'meta') return null;
  if (indexGenerationOf(item.docId) !== null) {
    const kind = entryRoots[root];
    if (kind && key !== undefined) {
      if (field !== undefined && derivedFields.has(field)) return null;
      return { kind, id: key, part: field ?? 'entry' };
    }
    return { kind: 'other', id: root, part: key ?? root };
  }
  const parsed = parseDocId(item.docId);
  const kind = parsed && docKinds[parsed.kind];
  if (parsed?.id && kind) return { kind, id: parsed.id, part: root };
  return { kind: 'other', id: parsed?.kind ?? item.docId, part: root };
}

/** Items grouped by what they belong to, parts sorted; labels filled in by the caller. */
export function groupItems(items: readonly ItemRef[]): UndoEntry[] {
  const byKey = new Map<string, { kind: Kind; id: string; parts: Set<string> }>();
  for (const item of items) {
    const subject = subjectOf(item);
    if (!subject) continue;
    const key = `${subject.kind}:${subject.id}`;
    let group = byKey.get(key);
    if (!group) byKey.set(key, (group = { kind: subject.kind, id: subject.id, parts: new Set() }));
    group.parts.add(subject.part);
  }
  return [...byKey.values()].map((g) => ({
    kind: g.kind,
    id: g.id,
    number: null,
    title: null,
    parts: [...g.parts].sort(),
  }));
}

const kindOrder: Record<Kind, number> = { ticket: 0, notice: 1, channel: 2, other: 3 };

/** Tickets by number, then notices, channels and the rest by title. */
export function compareEntries(a: UndoEntry, b: UndoEntry): number {
  return (
    kindOrder[a.kind] - kindOrder[b.kind] ||
    (a.number ?? Infinity) - (b.number ?? Infinity) ||
    (a.title ?? a.id).localeCompare(b.title ?? b.id)
  );
}
