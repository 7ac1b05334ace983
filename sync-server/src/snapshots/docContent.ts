import * as Y from 'yjs';

/**
 * The visible content of Yjs documents as plain, canonical JSON: two docs whose content a
 * user would see as identical give byte-identical `stableStringify(docContent(...))`, even
 * when their histories (and so their encoded states) differ. Restore tests, the snapshot
 * diff and the array/XML alignment of `forwardRestore` all compare content through this.
 */
export type Content = null | boolean | number | string | Content[] | { [key: string]: Content };

/** Kinds of root types. `unknown`: the root holds nothing that tells (empty or all deleted). */
export type RootKind = 'map' | 'array' | 'text' | 'xml' | 'unknown';

/** The content of one Y type or plain value, with a `$`-tag saying which kind of type it is. */
export function contentOf(value: unknown): Content {
  if (value instanceof Y.XmlHook) return { $hook: value.hookName, map: mapContent(value) };
  if (value instanceof Y.Map) return { $map: mapContent(value as Y.Map<unknown>) };
  if (value instanceof Y.Array) return { $array: (value as Y.Array<unknown>).map(contentOf) };
  if (value instanceof Y.XmlText) return { $xmltext: deltaContent(value) };
  if (value instanceof Y.Text) return { $text: deltaContent(value) };
  if (value instanceof Y.XmlElement) {
    return {
      $xml: value.nodeName,
      attrs: plainContent(value.getAttributes()),
      children: value.toArray().map(contentOf),
    };
  }
  if (value instanceof Y.XmlFragment) return { $fragment: value.toArray().map(contentOf) };
  if (value instanceof Y.AbstractType) return { $type: 'unknown' };
  return plainContent(value);
}

/** Every non-empty root of `doc`, by name, typed by what it holds (see `rootKindOf`). */
export function docContent(doc: Y.Doc): Record<string, Content> {
  const out: Record<string, Content> = {};
  for (const name of [...doc.share.keys()].sort()) {
    const kind = rootKindOf(doc.share.get(name));
    if (kind === 'unknown') continue;
    const root = typedRoot(doc, name, kind);
    const content = contentOf(root);
    if (!isEmptyContent(content)) out[name] = content;
  }
  return out;
}

/**
 * What kind of root `type` is. A doc decoded from an update knows its roots only as untyped
 * `AbstractType`s until someone asks for them by constructor, so the kind is read from the
 * items: map entries → map; strings/formats/embeds → text; XML nodes → xml; anything else
 * in a list → array.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- doc.share is typed AbstractType<YEvent<any>>
export function rootKindOf(type: Y.AbstractType<any> | undefined): RootKind {
  if (!type) return 'unknown';
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Array) return 'array';
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.XmlFragment) return 'xml';
  if (type._map.size > 0) {
    for (const item of type._map.values()) if (!item.deleted) return 'map';
  }
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    const content = item.content;
    if (
      content instanceof Y.ContentString ||
      content instanceof Y.ContentFormat ||
      content instanceof Y.ContentEmbed
    ) {
      return 'text';
    }
    if (content instanceof Y.ContentType) {
      const inner = content.type;
      if (
        inner instanceof Y.XmlElement ||
        inner instanceof Y.XmlText ||
        inner instanceof Y.XmlHook
      ) {
        return 'xml';
      }
    }
    return 'array';
  }
  return 'unknown';
}

/** The root `name` of `doc` as the Y type of `kind` (converting an untyped root in place). */
export function typedRoot(
  doc: Y.Doc,
  name: string,
  kind: Exclude<RootKind, 'unknown'>,
): Y.Map<unknown> | Y.Array<unknown> | Y.Text | Y.XmlFragment {
  switch (kind) {
    case 'map':
      return doc.getMap<unknown>(name);
    case 'array':
      return doc.getArray<unknown>(name);
    case 'text':
      return doc.getText(name);
    case 'xml':
      return doc.getXmlFragment(name);
    default: {
      const never: never = kind;
      throw new Error(`unexpected root kind ${String(never)}`);
    }
  }
}

/** JSON with object keys sorted, so equal content gives equal strings. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  });
}

function mapContent(map: Y.Map<unknown>): Record<string, Content> {
  const out: Record<string, Content> = {};
  for (const key of [...map.keys()].sort()) out[key] = contentOf(map.get(key));
  return out;
}

interface DeltaOp {
  insert?: unknown;
  attributes?: Record<string, unknown>;
}

/**
 * The text's delta with adjacent runs of equal formatting merged: Yjs may report one run as
 * two when a redundant format marker sits between them, which is not a visible difference.
 */
export function deltaContent(text: Y.Text): Content[] {
  const out: { insert: Content; attributes?: Content }[] = [];
  let lastKey: string | null = null;
  for (const op of text.toDelta() as DeltaOp[]) {
    const attributes = op.attributes ? plainContent(op.attributes) : undefined;
    const key = stableStringify(attributes ?? null);
    const last = out[out.length - 1];
    if (
      typeof op.insert === 'string' &&
      last &&
      typeof last.insert === 'string' &&
      key === lastKey
    ) {
      last.insert += op.insert;
      continue;
    }
    const insert = typeof op.insert === 'string' ? op.insert : contentOf(op.insert);
    out.push(attributes === undefined ? { insert } : { insert, attributes });
    lastKey = typeof op.insert === 'string' ? key : null;
  }
  return out;
}

/** Plain values as JSON; binary as base64 under a tag; `undefined` as null. */
function plainContent(value: unknown): Content {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString('base64') };
  if (value instanceof Y.AbstractType) return contentOf(value);
  if (Array.isArray(value)) return value.map(plainContent);
  if (typeof value === 'object') {
    const out: Record<string, Content> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = plainContent((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  return String(value);
}

function isEmptyContent(content: Content): boolean {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) return false;
  const inner = content.$map ?? content.$array ?? content.$text ?? content.$fragment;
  if (Array.isArray(inner)) return inner.length === 0;
  if (inner && typeof inner === 'object') return Object.keys(inner).length === 0;
  return false;
}
