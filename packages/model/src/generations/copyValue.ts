import * as Y from 'yjs';

/**
 * A fresh copy of a value read from a Y.Map, to write into another document: plain values
 * as they are (Yjs encodes them anew), shared types rebuilt with new structs. The index's
 * roots hold maps of plain values and maps of maps; arrays and texts are copied too (a
 * text as its plain string: the index holds no formatted text). Anything else — an XML
 * fragment, a sub-document — has no place in the index and is left out (undefined).
 */
export function copyValue(value: unknown): unknown {
  if (value instanceof Y.Map) {
    const copy = new Y.Map<unknown>();
    (value as Y.Map<unknown>).forEach((entry, key) => {
      const inner = copyValue(entry);
      if (inner !== undefined) copy.set(key, inner);
    });
    return copy;
  }
  if (value instanceof Y.Array) {
    const copy = new Y.Array<unknown>();
    const items = (value as Y.Array<unknown>)
      .toArray()
      .map(copyValue)
      .filter((v) => v !== undefined);
    copy.push(items);
    return copy;
  }
  if (value instanceof Y.Text) return new Y.Text(value.toString());
  if (value instanceof Y.AbstractType || value instanceof Y.Doc) return undefined;
  return value;
}
