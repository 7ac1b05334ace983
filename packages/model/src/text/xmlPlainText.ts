import * as Y from 'yjs';

const blockSeparator = '\n';

/**
 * The plain text of a ProseMirror document stored in a Y.XmlFragment (as y-prosemirror
 * writes it): text nodes joined, block elements separated by newlines. Used for search and
 * excerpts; the rich content itself stays in the fragment.
 */
export function xmlPlainText(node: Y.XmlFragment | Y.XmlElement, limit = Infinity): string {
  const parts: string[] = [];
  let length = 0;
  const walk = (n: Y.XmlFragment | Y.XmlElement | Y.XmlText | Y.XmlHook): boolean => {
    if (length >= limit) return false;
    if (n instanceof Y.XmlText) {
      const text = (n.toDelta() as { insert: unknown }[])
        .map((op) => (typeof op.insert === 'string' ? op.insert : ''))
        .join('');
      parts.push(text);
      length += text.length;
      return true;
    }
    if (n instanceof Y.XmlElement || n instanceof Y.XmlFragment) {
      for (const child of n.toArray()) {
        if (!walk(child)) return false;
      }
      if (n instanceof Y.XmlElement) {
        parts.push(blockSeparator);
        length += 1;
      }
    }
    return true;
  };
  walk(node);
  return parts
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, limit === Infinity ? undefined : limit);
}
