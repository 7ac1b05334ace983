import * as Y from 'yjs';

/** A ProseMirror node as `Node.toJSON()` writes it (what y-prosemirror stores, read back). */
export interface ProseMirrorNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: ProseMirrorNode[];
  text?: string;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
}

/**
 * The ProseMirror JSON of a rich text stored in a Y.XmlFragment, read the way y-prosemirror
 * writes it: an element is a node named after it with its attributes, a text's formatting
 * attributes are its marks. Exports and tools read descriptions through this, so the layout
 * of the fragment stays this package's business.
 */
export function proseMirrorJson(fragment: Y.XmlFragment): ProseMirrorNode {
  return { type: 'doc', content: childrenOf(fragment) };
}

function childrenOf(parent: Y.XmlFragment | Y.XmlElement): ProseMirrorNode[] {
  const out: ProseMirrorNode[] = [];
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) {
      for (const op of child.toDelta() as { insert: unknown; attributes?: object }[]) {
        if (typeof op.insert !== 'string' || op.insert === '') continue;
        const node: ProseMirrorNode = { type: 'text', text: op.insert };
        const marks = Object.entries(op.attributes ?? {}).map(([type, attrs]) =>
          attrs && typeof attrs === 'object' && Object.keys(attrs).length
            ? { type, attrs: attrs as Record<string, unknown> }
            : { type },
        );
        if (marks.length) node.marks = marks;
        out.push(node);
      }
    } else if (child instanceof Y.XmlElement) {
      const node: ProseMirrorNode = { type: child.nodeName };
      const attrs = child.getAttributes() as Record<string, unknown>;
      if (Object.keys(attrs).length) node.attrs = attrs;
      const content = childrenOf(child);
      if (content.length) node.content = content;
      out.push(node);
    }
  }
  return out;
}

/** Block and mark names of the editor's schema (Tiptap StarterKit) and their HTML tags. */
const NODE_TAGS: Record<string, string> = {
  paragraph: 'p',
  blockquote: 'blockquote',
  bulletList: 'ul',
  orderedList: 'ol',
  listItem: 'li',
  codeBlock: 'pre',
  hardBreak: 'br',
  horizontalRule: 'hr',
};
const MARK_TAGS: Record<string, string> = {
  bold: 'strong',
  italic: 'em',
  strike: 's',
  code: 'code',
  underline: 'u',
};
const VOID_TAGS = new Set(['br', 'hr']);

/**
 * Plain HTML of ProseMirror JSON, for reading outside the app (exports). Every text and
 * attribute is escaped; only `http(s):`/`mailto:` link targets are kept, and unknown nodes
 * become `<div>`, so the result is safe to open in a browser.
 */
export function proseMirrorHtml(node: ProseMirrorNode): string {
  if (node.type === 'text') {
    let html = escapeHtml(node.text ?? '');
    for (const mark of node.marks ?? []) {
      if (mark.type === 'link') {
        const href = typeof mark.attrs?.href === 'string' ? mark.attrs.href : '';
        html = /^(https?:|mailto:)/i.test(href)
          ? `<a href="${escapeHtml(href)}">${html}</a>`
          : html;
        continue;
      }
      const tag = MARK_TAGS[mark.type];
      if (tag) html = `<${tag}>${html}</${tag}>`;
    }
    return html;
  }
  const inner = (node.content ?? []).map(proseMirrorHtml).join('');
  if (node.type === 'doc') return inner;
  const level = Number(node.attrs?.level);
  const tag =
    node.type === 'heading'
      ? `h${Number.isInteger(level) && level >= 1 && level <= 6 ? level : 2}`
      : (NODE_TAGS[node.type] ?? 'div');
  if (VOID_TAGS.has(tag)) return `<${tag}>`;
  return tag === 'pre' ? `<pre><code>${inner}</code></pre>` : `<${tag}>${inner}</${tag}>`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
