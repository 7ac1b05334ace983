import * as Y from 'yjs';
import { alignSequences } from './alignSequences.ts';
import { contentOf, stableStringify } from './docContent.ts';

type Attributes = Record<string, unknown>;

interface DeltaOp {
  insert?: unknown;
  attributes?: Attributes;
}

/** One visible unit of a text: a code point (1 or 2 UTF-16 units) or an embed (1 unit). */
interface Unit {
  /** Alignment key: the character, or the embed's content; formatting is not part of it. */
  readonly key: string;
  readonly length: number;
  readonly text: string | null;
  readonly embed: unknown;
  readonly attributes: Attributes;
  readonly attributesKey: string;
}

type OutOp =
  | { retain: number; attributes?: Attributes }
  | { delete: number }
  | { insert: unknown; attributes: Attributes };

/**
 * Turns `current` (a Y.Text or Y.XmlText inside the doc being restored) into `target`'s
 * content with a minimal delta: characters both have are kept (so edits anchored to them,
 * e.g. an offline user's typing, still land in place), only differing runs are deleted and
 * inserted, and formatting-only differences become `retain` with attributes instead of
 * retyping the text.
 */
export function restoreText(current: Y.Text, target: Y.Text): void {
  const a = unitsOf(current);
  const b = unitsOf(target);
  const hunks = alignSequences(
    a.map((u) => u.key),
    b.map((u) => u.key),
  );
  const ops: OutOp[] = [];
  let ai = 0;
  let bi = 0;
  const keepUntil = (aEnd: number) => {
    for (; ai < aEnd; ai += 1, bi += 1) {
      const have = a[ai]!;
      const want = b[bi]!;
      const patch =
        have.attributesKey === want.attributesKey
          ? null
          : attributesPatch(have.attributes, want.attributes);
      pushRetain(ops, have.length, patch);
    }
  };
  for (const hunk of hunks) {
    keepUntil(hunk.aStart);
    const deleted = a.slice(hunk.aStart, hunk.aEnd).reduce((sum, u) => sum + u.length, 0);
    if (deleted > 0) ops.push({ delete: deleted });
    for (const unit of b.slice(hunk.bStart, hunk.bEnd)) pushInsert(ops, unit);
    ai = hunk.aEnd;
    bi = hunk.bEnd;
  }
  keepUntil(a.length);
  while (ops.length > 0 && isPlainRetain(ops[ops.length - 1]!)) ops.pop();
  if (ops.length > 0) current.applyDelta(ops);
}

function unitsOf(text: Y.Text): Unit[] {
  const units: Unit[] = [];
  for (const op of text.toDelta() as DeltaOp[]) {
    const attributes = op.attributes ?? {};
    const attributesKey = stableStringify(attributes);
    if (typeof op.insert === 'string') {
      for (const ch of op.insert) {
        units.push({
          key: `c${ch}`,
          length: ch.length,
          text: ch,
          embed: null,
          attributes,
          attributesKey,
        });
      }
    } else {
      units.push({
        key: `e${stableStringify(contentOf(op.insert))}`,
        length: 1,
        text: null,
        embed: op.insert,
        attributes,
        attributesKey,
      });
    }
  }
  return units;
}

/** Attributes to set (new values) and to remove (null) to go from `have` to `want`. */
function attributesPatch(have: Attributes, want: Attributes): Attributes {
  const patch: Attributes = {};
  for (const key of Object.keys(have)) if (!(key in want)) patch[key] = null;
  for (const [key, value] of Object.entries(want)) {
    if (stableStringify(have[key]) !== stableStringify(value)) patch[key] = value;
  }
  return patch;
}

function pushRetain(ops: OutOp[], length: number, patch: Attributes | null): void {
  const last = ops[ops.length - 1];
  const patchKey = patch ? stableStringify(patch) : null;
  if (
    last &&
    'retain' in last &&
    (last.attributes ? stableStringify(last.attributes) : null) === patchKey
  ) {
    last.retain += length;
    return;
  }
  ops.push(patch ? { retain: length, attributes: patch } : { retain: length });
}

function pushInsert(ops: OutOp[], unit: Unit): void {
  const last = ops[ops.length - 1];
  if (
    unit.text !== null &&
    last &&
    'insert' in last &&
    typeof last.insert === 'string' &&
    stableStringify(last.attributes) === unit.attributesKey
  ) {
    last.insert += unit.text;
    return;
  }
  const insert =
    unit.text ?? (unit.embed instanceof Y.AbstractType ? unit.embed.clone() : unit.embed);
  // Explicit attributes (possibly {}): Yjs then clears formatting inherited from the left.
  ops.push({ insert, attributes: { ...unit.attributes } });
}

function isPlainRetain(op: OutOp): boolean {
  return 'retain' in op && op.attributes === undefined;
}
