import { parseDocId, parseItemKey } from '@desk/protocol';
import type { RedactionPlan, RedactionRule } from '../sync/redactDoc.ts';

/**
 * Which fields of a disabled entry members still get (layout, no content): everything else —
 * bodies, history, mentions, attachments, titles, tags, requesters, excerpts, and any field a
 * later version adds — is served redacted.
 */
const COMMENT_KEEP = ['kind', 'authorId', 'authorName', 'createdAt', 'editedAt', 'deleted'];
const MESSAGE_KEEP = ['authorId', 'authorName', 'createdAt', 'editedAt', 'deleted'];
const TICKET_ROW_KEEP = [
  'number',
  'provisionalNumber',
  'status',
  'priority',
  'type',
  'assigneeId',
  'dueDate',
  'createdAt',
  'updatedAt',
  'createdBy',
  'deleted',
  'commentCount',
];
const NOTICE_ROW_KEEP = [
  'pinned',
  'createdAt',
  'updatedAt',
  'createdBy',
  'createdByName',
  'deleted',
];
const MENTION_KEEP = ['id', 'userId', 'byId', 'byName', 'at', 'place'];

/**
 * The redaction plan of one document under a workspace's disabled items (terms §4): a ticket
 * doc's disabled comments and notes, a channel's disabled messages, and in the index (and a
 * ticket's archive shard) the rows of disabled tickets and notices and the mentions of any
 * disabled item. Null when the document holds nothing disabled. Whole disabled documents are
 * refused at subscribe (ModeratedSyncAuth), not redacted.
 */
export function redactionPlanOf(
  docId: string,
  items: readonly { readonly itemKey: string }[],
): RedactionPlan | null {
  const doc = parseDocId(docId);
  if (!doc) return null;
  const entryIds: string[] = [];
  const allEntryIds: string[] = [];
  const tickets: string[] = [];
  const notices: string[] = [];
  for (const { itemKey } of items) {
    const target = parseItemKey(itemKey);
    if (!target || target.scope === 'blob') continue;
    const of = parseDocId(target.docId);
    if (!of || of.workspaceId !== doc.workspaceId) continue;
    if (target.scope === 'entry') {
      allEntryIds.push(target.itemId);
      if (target.docId === docId) entryIds.push(target.itemId);
    } else if (of.kind === 'ticket' && of.id) {
      tickets.push(of.id);
    } else if (of.kind === 'notice' && of.id) {
      notices.push(of.id);
    }
  }
  const rules: RedactionRule[] = [];
  const rule = (root: string, keys: string[], keep: string[]): RedactionRule => ({
    root,
    keys,
    keyPrefixes: [],
    placeTickets: [],
    keep,
  });
  switch (doc.kind) {
    case 'ticket':
      if (entryIds.length > 0) rules.push(rule('comments', entryIds, COMMENT_KEEP));
      break;
    case 'channel':
      if (entryIds.length > 0) rules.push(rule('messages', entryIds, MESSAGE_KEEP));
      break;
    case 'archive':
      if (tickets.length > 0) rules.push(rule('tickets', tickets, TICKET_ROW_KEEP));
      break;
    case 'index':
      if (tickets.length > 0) rules.push(rule('tickets', tickets, TICKET_ROW_KEEP));
      if (notices.length > 0) rules.push(rule('notices', notices, NOTICE_ROW_KEEP));
      if (allEntryIds.length > 0 || tickets.length > 0) {
        // A mention's key is `<commentOrMessageId>:<userId>`; a disabled ticket's by its place.
        rules.push({
          root: 'mentions',
          keys: [],
          keyPrefixes: allEntryIds.map((id) => `${id}:`),
          placeTickets: tickets,
          keep: MENTION_KEEP,
        });
      }
      break;
    default:
      break;
  }
  if (rules.length === 0) return null;
  return { key: JSON.stringify(rules), rules };
}
