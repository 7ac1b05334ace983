import * as Y from 'yjs';
import { alignSequences } from './alignSequences.ts';
import { contentOf, rootKindOf, stableStringify, typedRoot, type RootKind } from './docContent.ts';
import { restoreText } from './restoreText.ts';

/**
 * What to restore: every root of the doc, only some entries of one root map (a single
 * ticket's row in the workspace index: root `tickets`, key = ticket id), or only some
 * items (restoreItems.ts: a root, an entry of a root map, or a field of such an entry —
 * what an undo puts back). An item whose parent entry is not a map on both sides is left.
 */
export type RestoreScope =
  | { readonly kind: 'doc' }
  | { readonly kind: 'mapEntries'; readonly root: string; readonly keys: readonly string[] }
  | { readonly kind: 'items'; readonly paths: readonly (readonly string[])[] };

const wholeDoc: RestoreScope = { kind: 'doc' };

/**
 * Restore as a forward change (DESIGN §4.3). Returns ONE Yjs update that, applied to a doc
 * holding `current`, makes its content equal to `target`'s — or null when they are already
 * equal. Replacing the state instead would not work with CRDTs: every replica would merge
 * the "removed" content straight back.
 *
 * The update touches as little as possible so that concurrent and offline edits to parts
 * the restore leaves alone still land: map keys are set or deleted only where they differ
 * (recursing into nested types of the same kind), arrays and XML children are aligned by
 * content and only differing runs replaced (a changed element of the same kind is restored
 * in place), texts are diffed by character with formatting kept apart.
 *
 * Neither input is modified: the work happens on a scratch copy under a fresh client id.
 */
export function forwardRestore(
  current: Y.Doc | Uint8Array,
  target: Y.Doc | Uint8Array,
  scope: RestoreScope = wholeDoc,
): Uint8Array | null {
  const work = docFrom(current);
  const goal = docFrom(target);
  try {
    return restoreInto(work, goal, scope);
  } finally {
    work.destroy();
    goal.destroy();
  }
}

/**
 * forwardRestore on docs the caller owns: changes `work` in place, so the caller can read
 * the result (a restore records what it changed), and returns the update or null. `work`
 * should be a fresh copy (its client id then writes nothing anyone else wrote); `goal` is
 * only read.
 */
export function restoreInto(work: Y.Doc, goal: Y.Doc, scope: RestoreScope): Uint8Array | null {
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array) => updates.push(update);
  work.on('update', collect);
  try {
    work.transact(() => {
      switch (scope.kind) {
        case 'doc':
          restoreRoots(work, goal, new Set([...work.share.keys(), ...goal.share.keys()]));
          break;
        case 'mapEntries':
          restoreMapEntries(work.getMap(scope.root), goal.getMap(scope.root), scope.keys);
          break;
        case 'items':
          restoreItems(work, goal, scope.paths);
          break;
        default: {
          const never: never = scope;
          throw new Error(`unexpected restore scope ${JSON.stringify(never)}`);
        }
      }
    });
  } finally {
    work.off('update', collect);
  }
  if (updates.length === 0) return null;
  return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
}

export function docFrom(state: Y.Doc | Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state instanceof Y.Doc ? Y.encodeStateAsUpdate(state) : state);
  return doc;
}

function restoreRoots(work: Y.Doc, goal: Y.Doc, names: Iterable<string>): void {
  for (const name of names) {
    const have = rootKindOf(work.share.get(name));
    const want = rootKindOf(goal.share.get(name));
    const kind: RootKind = have === 'unknown' ? want : have;
    if (kind === 'unknown') continue; // empty on both sides
    if (want !== 'unknown' && want !== kind) {
      // The same root name used as two kinds cannot be reconciled by Yjs at all; leave it.
      continue;
    }
    restoreInPlace(typedRoot(work, name, kind), typedRoot(goal, name, kind));
  }
}

function restoreItems(work: Y.Doc, goal: Y.Doc, paths: readonly (readonly string[])[]): void {
  for (const [name, ...keys] of paths) {
    if (name === undefined) continue;
    const key = keys.pop();
    if (key === undefined) {
      restoreRoots(work, goal, [name]);
      continue;
    }
    const have = mapAlong(work, name, keys);
    const want = mapAlong(goal, name, keys);
    if (have && want) restoreMapKey(have, want, key);
  }
}

/** The map at root `name`, then `keys` down through nested maps; null where there is none. */
export function mapAlong(doc: Y.Doc, name: string, keys: readonly string[]): Y.Map<unknown> | null {
  const kind = rootKindOf(doc.share.get(name));
  if (kind !== 'map' && kind !== 'unknown') return null;
  let map = doc.getMap<unknown>(name);
  for (const key of keys) {
    const next = map.get(key);
    if (!(next instanceof Y.Map) || next instanceof Y.XmlHook) return null;
    map = next as Y.Map<unknown>;
  }
  return map;
}

function restoreMapEntries(
  current: Y.Map<unknown>,
  target: Y.Map<unknown>,
  keys: readonly string[],
): void {
  for (const key of keys) restoreMapKey(current, target, key);
}

/**
 * Restores `current` to `target`'s content if both are Y types of the same kind (same XML
 * node name); returns false, touching nothing, when they are not and must be replaced.
 */
function restoreInPlace(current: unknown, target: unknown): boolean {
  if (!sameKind(current, target)) return false;
  if (current instanceof Y.XmlHook || current instanceof Y.Map) {
    restoreMap(current as Y.Map<unknown>, target as Y.Map<unknown>);
  } else if (current instanceof Y.Array) {
    restoreList(current, target as Y.Array<unknown>);
  } else if (current instanceof Y.Text) {
    restoreAttributes(current, target as Y.Text);
    restoreText(current, target as Y.Text);
  } else if (current instanceof Y.XmlElement) {
    restoreAttributes(current, target as Y.XmlElement);
    restoreList(current, target as Y.XmlElement);
  } else if (current instanceof Y.XmlFragment) {
    restoreList(current, target as Y.XmlFragment);
  } else {
    return false;
  }
  return true;
}

function sameKind(a: unknown, b: unknown): boolean {
  if (!(a instanceof Y.AbstractType) || !(b instanceof Y.AbstractType)) return false;
  if (a.constructor !== b.constructor) return false;
  if (a instanceof Y.XmlElement) return a.nodeName === (b as Y.XmlElement).nodeName;
  if (a instanceof Y.XmlHook) return a.hookName === (b as Y.XmlHook).hookName;
  return true;
}

function restoreMap(current: Y.Map<unknown>, target: Y.Map<unknown>): void {
  for (const key of [...current.keys()]) if (!target.has(key)) current.delete(key);
  for (const key of target.keys()) restoreMapKey(current, target, key);
}

function restoreMapKey(current: Y.Map<unknown>, target: Y.Map<unknown>, key: string): void {
  if (!target.has(key)) {
    if (current.has(key)) current.delete(key);
    return;
  }
  const want = target.get(key);
  if (current.has(key)) {
    const have = current.get(key);
    if (restoreInPlace(have, want)) return;
    if (!(have instanceof Y.AbstractType) && !(want instanceof Y.AbstractType)) {
      if (stableStringify(contentOf(have)) === stableStringify(contentOf(want))) return;
    }
  }
  current.set(key, copyOf(want));
}

/** Y.Text and Y.XmlElement carry a map of attributes beside their content. */
function restoreAttributes(current: Y.Text | Y.XmlElement, target: Y.Text | Y.XmlElement): void {
  const have = current.getAttributes() as Record<string, unknown>;
  const want = target.getAttributes() as Record<string, unknown>;
  for (const key of Object.keys(have)) if (!(key in want)) current.removeAttribute(key);
  for (const [key, value] of Object.entries(want)) {
    if (key in have) {
      if (restoreInPlace(have[key], value)) continue;
      if (stableStringify(contentOf(have[key])) === stableStringify(contentOf(value))) continue;
    }
    (current as Y.XmlElement).setAttribute(key, copyOf(value) as string);
  }
}

type ListType = Y.Array<unknown> | Y.XmlFragment;

/**
 * Arrays and XML children: align by content fingerprint, keep equal elements where they
 * are, restore changed elements of the same kind in place, replace the rest. Hunks are
 * applied last to first so earlier indexes stay valid.
 */
function restoreList(current: ListType, target: ListType): void {
  const have = current.toArray() as unknown[];
  const want = target.toArray() as unknown[];
  const hunks = alignSequences(have.map(fingerprint), want.map(fingerprint));
  for (let h = hunks.length - 1; h >= 0; h -= 1) {
    const { aStart, aEnd, bStart, bEnd } = hunks[h]!;
    const removed = aEnd - aStart;
    const added = bEnd - bStart;
    const paired = Math.min(removed, added);
    if (removed > paired) current.delete(aStart + paired, removed - paired);
    if (added > paired) insertInto(current, aStart + paired, want.slice(bStart + paired, bEnd));
    // Pairs, last to first; runs of pairs that cannot be restored in place are replaced.
    let runEnd = -1;
    for (let j = paired - 1; j >= -1; j -= 1) {
      const inPlace = j >= 0 && restoreInPlace(have[aStart + j], want[bStart + j]);
      if (j >= 0 && !inPlace) {
        if (runEnd === -1) runEnd = j;
        continue;
      }
      if (runEnd !== -1) {
        const from = j + 1;
        current.delete(aStart + from, runEnd - from + 1);
        insertInto(current, aStart + from, want.slice(bStart + from, bStart + runEnd + 1));
        runEnd = -1;
      }
    }
  }
}

function insertInto(list: ListType, index: number, values: readonly unknown[]): void {
  if (values.length === 0) return;
  const copies = values.map(copyOf);
  if (list instanceof Y.XmlFragment) list.insert(index, copies as Y.XmlElement[]);
  else list.insert(index, copies);
}

function fingerprint(value: unknown): string {
  return stableStringify(contentOf(value));
}

/**
 * A value from the target doc ready to be inserted into the current one: Y types are
 * cloned (a type integrates into one doc only), plain values are immutable once stored.
 */
function copyOf(value: unknown): unknown {
  return value instanceof Y.AbstractType ? value.clone() : value;
}
