import * as Y from 'yjs';
import { copyValue } from './copyValue.ts';
import { GenerationMeta, replayedUpToOf } from './indexGenerations.ts';

/** What a replay wrote: the change to g+1, and the change to g that moves its cursor. */
export interface LateReplay {
  /** Entries of g+1 written (a field, a whole row, or a removal each). */
  readonly entries: number;
  readonly intoUpdate: Uint8Array;
  readonly fromUpdate: Uint8Array;
}

/** One map entry of g changed after the cursor: the map's path from a root, and the key. */
interface ChangedEntry {
  readonly path: readonly string[];
  readonly key: string;
}

/**
 * Carries what reached generation g after it was rewritten into g+1 (`into`): an offline
 * device's edits made to g, or those of a device that had not switched yet. Both documents
 * are the writer's own copies and are changed by this call.
 *
 * "What changed" is read from g's structs against `meta.replayedUpTo` (a snapshot of g):
 * every map entry with an item inserted beyond its state vector, or deleted outside its
 * delete set. Each such entry is written into g+1 as it now reads in g — a field set, a
 * field or row removed (a row removed in g is removed in g+1), a row g+1 lacks copied
 * whole — as ordinary writes, so concurrent edits made in g+1 merge as any two devices'
 * edits do; a row present in both is merged field by field, never replaced. Then the
 * cursor moves to g's present state. Null when nothing reached g since the last replay.
 *
 * A row archived in g+1 after the switch and edited late in g comes back hot: as in the
 * archive race (`archiveRace.ts`), the edit wins and the shard's copy is dropped as stale.
 */
export function replayLateEdits(from: Y.Doc, into: Y.Doc): LateReplay | null {
  const cursor = replayedUpToOf(from);
  if (!cursor) return null;
  const changed = changedSince(from, cursor);
  if (changed.length === 0) return null;
  const intoBefore = Y.encodeStateVector(into);
  let entries = 0;
  into.transact(() => {
    for (const entry of changed) if (writeEntry(from, into, entry)) entries += 1;
  });
  const upTo = Y.encodeSnapshot(Y.snapshot(from));
  const fromBefore = Y.encodeStateVector(from);
  from.getMap<unknown>('meta').set(GenerationMeta.replayedUpTo, upTo);
  return {
    entries,
    intoUpdate: Y.encodeStateAsUpdate(into, intoBefore),
    fromUpdate: Y.encodeStateAsUpdate(from, fromBefore),
  };
}

/**
 * Whether anything reached g after its `replayedUpTo`: what `replayLateEdits` would carry
 * into g+1. Reads only (a device asks it of its copy, to switch to g+1 in place once its own
 * late edits are there). False for a generation never replaced (no cursor).
 */
export function hasLateEdits(from: Y.Doc): boolean {
  const cursor = replayedUpToOf(from);
  return cursor !== null && changedSince(from, cursor).length > 0;
}

function changedSince(doc: Y.Doc, cursor: Y.Snapshot): ChangedEntry[] {
  const found = new Map<string, ChangedEntry>();
  doc.store.clients.forEach((structs, client) => {
    const known = cursor.sv.get(client) ?? 0;
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue; // a GC struct: its parent is gone too
      const inserted = struct.id.clock + struct.length > known;
      const deleted = struct.deleted && !Y.isDeleted(cursor.ds, struct.id);
      if (!inserted && !deleted) continue;
      const entry = entryOf(struct);
      if (!entry || entry.path[0] === 'meta') continue; // meta: the generation's own
      found.set(JSON.stringify([...entry.path, entry.key]), entry);
    }
  });
  // Shallow entries first: a row copied whole makes its fields' entries no-ops.
  return [...found.values()].sort((a, b) => a.path.length - b.path.length);
}

/**
 * The map entry an item belongs to: its own key when it sits in a map, else (an array's or
 * a text's item) the map entry holding that array or text, copied whole.
 */
function entryOf(item: Y.Item): ChangedEntry | null {
  let at: Y.Item = item;
  while (at.parentSub === null) {
    const parent = at.parent;
    if (!(parent instanceof Y.AbstractType) || parent._item === null) return null;
    at = parent._item;
  }
  const parent = at.parent;
  if (!(parent instanceof Y.AbstractType)) return null;
  const path = pathOf(parent);
  return path ? { path, key: at.parentSub! } : null;
}

/** Root name, then the keys down to `type`; null when an ancestor is removed (its own item says so). */
function pathOf(type: Y.AbstractType<unknown>): string[] | null {
  const keys: string[] = [];
  let at = type;
  while (at._item !== null) {
    const item = at._item;
    if (item.deleted || item.parentSub === null || !(item.parent instanceof Y.AbstractType)) {
      return null;
    }
    keys.unshift(item.parentSub);
    at = item.parent;
  }
  return [Y.findRootTypeKey(at), ...keys];
}

/** Writes one entry of `from` into `into` as it now reads; true when anything was written. */
function writeEntry(from: Y.Doc, into: Y.Doc, { path, key }: ChangedEntry): boolean {
  let source: Y.Map<unknown> = from.getMap(path[0]);
  let target: Y.Map<unknown> = into.getMap(path[0]);
  for (const step of path.slice(1)) {
    const s = source.get(step);
    if (!(s instanceof Y.Map)) return false; // removed in g since: that removal is an entry too
    const t = target.get(step);
    if (!(t instanceof Y.Map)) return writeValue(target, step, s); // absent in g+1: whole
    source = s as Y.Map<unknown>;
    target = t as Y.Map<unknown>;
  }
  if (!source.has(key)) {
    if (!target.has(key)) return false;
    target.delete(key);
    return true;
  }
  return writeValue(target, key, source.get(key));
}

function writeValue(target: Y.Map<unknown>, key: string, value: unknown): boolean {
  const current = target.get(key);
  if (value instanceof Y.Map && current instanceof Y.Map) {
    // Both have the row: field by field, so g+1's own edits of other fields stay.
    let wrote = false;
    (value as Y.Map<unknown>).forEach((field, name) => {
      if (writeValue(current as Y.Map<unknown>, name, field)) wrote = true;
    });
    return wrote;
  }
  if (!(value instanceof Y.AbstractType) && samePlain(current, value)) return false;
  const copy = copyValue(value);
  if (copy === undefined) return false;
  target.set(key, copy);
  return true;
}

function samePlain(a: unknown, b: unknown): boolean {
  if (a instanceof Y.AbstractType) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
