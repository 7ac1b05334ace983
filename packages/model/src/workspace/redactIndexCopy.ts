import * as Y from 'yjs';
import type { Mention, MentionPlace } from './Mentions.ts';

/** What to write over disabled content; null leaves the item as it is. */
export interface IndexRedaction {
  /** The words for a ticket or notice row whose document is disabled. */
  row(kind: 'ticket' | 'notice', id: string): string | null;
  /** The words for a mention whose comment or message (or ticket) is disabled. */
  mention(place: MentionPlace): string | null;
}

/**
 * Writes the words over what a workspace index doc shows of disabled content: the title of a
 * disabled ticket's or notice's row (a notice's excerpt emptied) and the excerpt of a mention
 * in disabled content. For a copy the caller owns (an export's index), never the stored
 * index: the replaced strings are garbage-collected in the copy, so its encoded state no
 * longer holds them. Returns whether anything was written.
 */
export function redactIndexCopy(doc: Y.Doc, redaction: IndexRedaction): boolean {
  let changed = false;
  doc.transact(() => {
    for (const kind of ['ticket', 'notice'] as const) {
      doc.getMap<unknown>(`${kind}s`).forEach((row, id) => {
        const words = redaction.row(kind, id);
        if (words === null || !(row instanceof Y.Map)) return;
        row.set('title', words);
        if (kind === 'notice') row.set('excerpt', '');
        changed = true;
      });
    }
    const mentions = doc.getMap<unknown>('mentions');
    mentions.forEach((value, key) => {
      const mention = value as Partial<Mention> | null;
      const place = mention?.place;
      if (!mention || !place) return;
      const words = redaction.mention(place);
      if (words === null) return;
      mentions.set(key, { ...mention, excerpt: words });
      changed = true;
    });
  });
  return changed;
}
