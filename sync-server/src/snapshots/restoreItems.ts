import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { contentOf, rootKindOf, stableStringify, typedRoot, type Content } from './docContent.ts';

/**
 * The items a restore changes and its undo puts back: the smallest parts of a document
 * that the forward restore sets as a whole, down to the fields of an entry.
 *
 *   [root]              a root that is not a map (a description, an activity list)
 *   [root, key]         an entry of a root map (a ticket's row, a comment, a saved view)
 *   [root, key, field]  a field of an entry that is a Y.Map both before and after
 *
 * So a restore that changes a ticket's status and an offline edit of its priority touch
 * two different items, and the undo can put the status back without losing the priority.
 */
export type ItemPath = readonly string[];

/** An item the restore changed, and a digest of its content right after the restore. */
export interface ChangedItem {
  path: ItemPath;
  /** null: the restore removed it. */
  after: string | null;
}

/** How deep items go: root, entry, field. */
const MAX_DEPTH = 3;

/**
 * Items whose content differs between `before` and `after` (two states of one doc), each
 * with a digest of its content in `after`. `within` limits the comparison to the entries
 * of one root map (a single-ticket restore need not compare 10,000 other rows).
 */
export function changedItems(
  before: Y.Doc,
  after: Y.Doc,
  within?: { root: string; keys: readonly string[] },
): ChangedItem[] {
  const out: ChangedItem[] = [];
  if (within) {
    const a = rootOf(before, within.root);
    const b = rootOf(after, within.root);
    compareMaps(isMap(a) ? a : null, isMap(b) ? b : null, [within.root], out, within.keys);
    return out;
  }
  const names = new Set([...before.share.keys(), ...after.share.keys()]);
  for (const name of [...names].sort()) {
    const a = rootOf(before, name);
    const b = rootOf(after, name);
    if (isMap(a ?? b) && (a === null || isMap(a)) && (b === null || isMap(b))) {
      compareMaps(a as Y.Map<unknown> | null, b as Y.Map<unknown> | null, [name], out);
    } else {
      compareLeaf(a, b, [name], out);
    }
  }
  return out;
}

/** A digest of the item's content in `doc`, or null when the doc does not have it. */
export function itemDigest(doc: Y.Doc, path: ItemPath): string | null {
  const found = itemAt(doc, path);
  return found.present ? digest(found.content) : null;
}

type Found = { present: true; content: Content } | { present: false };

function itemAt(doc: Y.Doc, path: ItemPath): Found {
  const [name, ...keys] = path;
  if (name === undefined) return { present: false };
  const root = rootOf(doc, name);
  if (root === null) return { present: false };
  let value: unknown = root;
  for (const key of keys) {
    if (!isMap(value) || !value.has(key)) return { present: false };
    value = value.get(key);
  }
  return { present: true, content: contentOf(value) };
}

/**
 * The root as its kind, or null when it holds nothing: an emptied description and one
 * never written are the same to a person, and a decoded doc cannot tell them apart.
 */
function rootOf(doc: Y.Doc, name: string): Y.AbstractType<unknown> | null {
  const kind = rootKindOf(doc.share.get(name));
  if (kind === 'unknown') return null;
  const root = typedRoot(doc, name, kind);
  // A root typed by someone's getter is 'known' even when empty: empty is still nothing.
  const size = root instanceof Y.Map ? root.size : root.length;
  return size === 0 ? null : (root as Y.AbstractType<unknown>);
}

function isMap(value: unknown): value is Y.Map<unknown> {
  return value instanceof Y.Map && !(value instanceof Y.XmlHook);
}

function compareMaps(
  a: Y.Map<unknown> | null,
  b: Y.Map<unknown> | null,
  path: string[],
  out: ChangedItem[],
  only?: readonly string[],
): void {
  const keys = only ?? [...new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])])].sort();
  for (const key of keys) {
    const hasA = a?.has(key) ?? false;
    const hasB = b?.has(key) ?? false;
    const before = hasA ? keyOf(a!.get(key)) : null;
    const after = hasB ? keyOf(b!.get(key)) : null;
    if (before === after) continue;
    const va = hasA ? a!.get(key) : undefined;
    const vb = hasB ? b!.get(key) : undefined;
    const inner = [...path, key];
    if (isMap(va) && isMap(vb) && inner.length < MAX_DEPTH) compareMaps(va, vb, inner, out);
    else out.push({ path: inner, after: after === null ? null : hash(after) });
  }
}

function compareLeaf(a: unknown, b: unknown, path: string[], out: ChangedItem[]): void {
  const before = a === null ? null : keyOf(a);
  const after = b === null ? null : keyOf(b);
  if (before !== after) out.push({ path, after: after === null ? null : hash(after) });
}

/** Canonical JSON of the content: equal for equal content, whatever the history. */
function keyOf(value: unknown): string {
  return stableStringify(contentOf(value));
}

function digest(content: Content): string {
  return hash(stableStringify(content));
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
