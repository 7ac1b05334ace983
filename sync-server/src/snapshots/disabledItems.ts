import { indexGenerationOf } from '@desk/model';
import { docItemKey, entryItemKey, parseDocId, parseItemKey } from '@desk/protocol';
import type { DisabledSet } from '../moderation/ModerationStore.ts';
import type { ItemPath } from './restoreItems.ts';
import { workspaceDocIds } from './SnapshotDocs.ts';

/** Roots of the index doc whose entries are a ticket's or a notice's row. */
const INDEX_ROWS: Readonly<Record<string, 'ticket' | 'notice'>> = {
  tickets: 'ticket',
  notices: 'notice',
};

/**
 * The operator's reason when an item a restore changed (`restoreItems.ts` paths) is content
 * whose access is disabled (terms §4), or null: the whole document (a ticket, a notice), an
 * entry of it (`[root, entryId, …]`: a comment, a note, a message), or a disabled ticket's or
 * notice's row in the index doc (any of its generations). Writing such an item from a snapshot — by an undo as by a
 * restore — would change disabled content past moderation, so it is left as it is.
 */
export function disabledReasonOfItem(
  disabled: DisabledSet,
  docId: string,
  path: ItemPath,
): string | null {
  const whole = disabled.reasonOf(docItemKey(docId));
  if (whole !== null) return whole;
  const [root, key] = path;
  const parsed = parseDocId(docId);
  if (root === undefined || key === undefined || !parsed) return null;
  if (indexGenerationOf(docId) !== null) {
    const kind = INDEX_ROWS[root];
    return kind
      ? disabled.reasonOf(docItemKey(workspaceDocIds[kind](parsed.workspaceId, key)))
      : null;
  }
  return disabled.reasonOf(entryItemKey(docId, key));
}

/** The root map holding a document's entries that can be disabled one by one, by doc kind. */
const ENTRY_ROOTS: Readonly<Record<string, string>> = { ticket: 'comments', channel: 'messages' };

/**
 * The map entries of a document a restore must leave as they are now (terms §4): in the index
 * doc, the rows of disabled tickets and notices; in a ticket or channel doc, its disabled
 * comments or messages. (A wholly disabled document is not restored at all: `writeRefused`.)
 */
export function disabledEntriesOf(
  disabled: DisabledSet,
  docId: string,
): { root: string; keys: string[] }[] {
  const parsed = parseDocId(docId);
  if (!parsed || disabled.entries.length === 0) return [];
  const kept = new Map<string, string[]>();
  const keep = (root: string, key: string) => kept.set(root, [...(kept.get(root) ?? []), key]);
  // Whichever generation of the index holds the rows (SPEC IDX-GEN).
  const isIndex = indexGenerationOf(docId) !== null;
  for (const { itemKey } of disabled.entries) {
    const target = parseItemKey(itemKey);
    if (!target || target.scope === 'blob') continue;
    if (isIndex && target.scope === 'doc') {
      const item = parseDocId(target.docId);
      if (item?.workspaceId !== parsed.workspaceId || !item.id) continue;
      if (item.kind === 'ticket') keep('tickets', item.id);
      if (item.kind === 'notice') keep('notices', item.id);
    } else if (target.scope === 'entry' && target.docId === docId) {
      const root = ENTRY_ROOTS[parsed.kind];
      if (root) keep(root, target.itemId);
    }
  }
  return [...kept].map(([root, keys]) => ({ root, keys }));
}
