import { docItemKey, entryItemKey, parseDocId } from '@desk/protocol';
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
 * notice's row in the index doc. Writing such an item from a snapshot — by an undo as by a
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
  if (docId === workspaceDocIds.index(parsed.workspaceId)) {
    const kind = INDEX_ROWS[root];
    return kind
      ? disabled.reasonOf(docItemKey(workspaceDocIds[kind](parsed.workspaceId, key)))
      : null;
  }
  return disabled.reasonOf(entryItemKey(docId, key));
}
