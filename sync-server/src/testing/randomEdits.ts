import * as Y from 'yjs';
import type { SeededRandom } from '@desk/protocol/testing';

/**
 * Random edits over every kind of Y type, for the seeded property tests of restore (in the
 * manner of Yjs's own `tests/testHelper.js`). Roots: `map` (nested maps, arrays, texts),
 * `list`, `text` (formatted), `xml` (elements with attributes and formatted text) and
 * `keep`, a text the "after the snapshot" edits leave alone.
 */
export const randomRoots = ['map', 'list', 'text', 'xml'] as const;

const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
const words = ['lorem', 'ipsum', ' ', 'dolor', 'sit\n', 'amet', 'é', '😀', 'x'];
const formats: readonly Record<string, unknown>[] = [
  {},
  { bold: true },
  { italic: true },
  { link: { href: 'https://example.com' } },
];
const nodeNames = ['paragraph', 'heading', 'blockquote'];

export function rootsOf(doc: Y.Doc) {
  return {
    map: doc.getMap<unknown>('map'),
    list: doc.getArray<unknown>('list'),
    text: doc.getText('text'),
    xml: doc.getXmlFragment('xml'),
    keep: doc.getText('keep'),
  };
}

/** Every Y type in the doc under the edited roots (not `keep`), with its nesting depth. */
export function typesOf(doc: Y.Doc): { type: Y.AbstractType<unknown>; depth: number }[] {
  const out: { type: Y.AbstractType<unknown>; depth: number }[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!(value instanceof Y.AbstractType)) return;
    out.push({ type: value as Y.AbstractType<unknown>, depth });
    if (value instanceof Y.Map) value.forEach((v) => visit(v, depth + 1));
    else if (value instanceof Y.Array || value instanceof Y.XmlFragment) {
      for (const v of value.toArray() as unknown[]) visit(v, depth + 1);
    }
  };
  const roots = rootsOf(doc);
  for (const name of randomRoots) visit(roots[name], 0);
  return out;
}

/** Applies `count` random edits, each in its own transaction. */
export function randomEdits(doc: Y.Doc, random: SeededRandom, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const { type, depth } = random.pick(typesOf(doc));
    doc.transact(() => editType(type, depth, random));
  }
}

function editType(type: Y.AbstractType<unknown>, depth: number, random: SeededRandom): void {
  if (type instanceof Y.Map) {
    const map = type as Y.Map<unknown>;
    if (random.int(4) === 0 && map.size > 0) map.delete(random.pick([...map.keys()]));
    else map.set(random.pick(keys), randomValue(depth, random));
  } else if (type instanceof Y.Array) {
    const array = type as Y.Array<unknown>;
    if (random.int(3) === 0 && array.length > 0) {
      const index = random.int(array.length);
      array.delete(index, 1 + random.int(Math.min(2, array.length - index)));
    } else {
      array.insert(random.int(array.length + 1), [randomValue(depth, random)]);
    }
  } else if (type instanceof Y.Text) {
    editText(type, random);
  } else if (type instanceof Y.XmlElement && random.int(4) === 0) {
    type.setAttribute(random.pick(['level', 'align']), random.pick(['1', '2', 'left']));
  } else if (type instanceof Y.XmlFragment) {
    if (random.int(3) === 0 && type.length > 0) {
      type.delete(random.int(type.length), 1);
    } else {
      type.insert(random.int(type.length + 1), [randomXmlNode(depth, random)]);
    }
  }
}

export function editText(text: Y.Text, random: SeededRandom): void {
  const length = text.length;
  const choice = random.int(5);
  if (choice === 0 && length > 0) {
    const index = random.int(length);
    text.delete(index, 1 + random.int(Math.min(5, length - index)));
  } else if (choice === 1 && length > 0) {
    const index = random.int(length);
    text.format(index, 1 + random.int(Math.min(8, length - index)), {
      ...random.pick(formats.slice(1)),
    });
  } else if (choice === 2 && length > 0) {
    const index = random.int(length);
    text.format(index, 1 + random.int(Math.min(8, length - index)), { bold: null });
  } else {
    text.insert(random.int(length + 1), random.pick(words), { ...random.pick(formats) });
  }
  fixSurrogates(text);
}

/**
 * Random indexes may split an emoji's surrogate pair; Yjs then stores a lone surrogate,
 * which no real editor produces. Keep the generated texts well-formed.
 */
function fixSurrogates(text: Y.Text): void {
  const s = text.toString();
  for (let i = 0; i < s.length; i += 1) {
    const code = s.charCodeAt(i);
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = code >= 0xdc00 && code <= 0xdfff;
    if (high && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
    }
    if (high || low) {
      text.delete(i, 1);
      fixSurrogates(text);
      return;
    }
  }
}

function randomValue(depth: number, random: SeededRandom): unknown {
  const nested = depth < 3 ? random.int(8) : 9;
  if (nested === 0) {
    const map = new Y.Map<unknown>();
    map.set(random.pick(keys), random.int(10));
    return map;
  }
  if (nested === 1) {
    const array = new Y.Array<unknown>();
    array.insert(0, [random.int(10), random.pick(words)]);
    return array;
  }
  if (nested === 2) return new Y.Text(random.pick(words));
  switch (random.int(5)) {
    case 0:
      return random.int(100);
    case 1:
      return random.pick(words);
    case 2:
      return { n: random.int(3), tags: [random.pick(keys)] };
    case 3:
      return random.int(2) === 0;
    default:
      return null;
  }
}

function randomXmlNode(depth: number, random: SeededRandom): Y.XmlElement | Y.XmlText {
  if (random.int(3) === 0) {
    const text = new Y.XmlText();
    text.insert(0, random.pick(words), { ...random.pick(formats) });
    return text;
  }
  const element = new Y.XmlElement(random.pick(nodeNames));
  if (random.int(2) === 0) element.setAttribute('level', String(1 + random.int(3)));
  const text = new Y.XmlText();
  text.insert(0, random.pick(words), { ...random.pick(formats) });
  const children: (Y.XmlElement | Y.XmlText)[] = [text];
  if (depth < 2 && random.int(3) === 0) children.push(randomXmlNode(depth + 1, random));
  element.insert(0, children);
  return element;
}
