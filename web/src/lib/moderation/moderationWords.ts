import {
  MODERATION_CASE_SOURCE_LABELS,
  MODERATION_CATEGORY_LABELS,
  type ModeratedItem,
  type ModeratedItemKind,
  type ModerationAction,
  type ModerationCaseSource,
  type ModerationCaseStatus,
  type ModerationCategory,
} from '@desk/protocol';

/** Reporting and disabling access (terms §4) in words, for members, owners and the operator. */

export const itemKindWords: Readonly<Record<ModeratedItemKind, string>> = {
  ticket: 'Ticket',
  notice: 'Notice',
  comment: 'Comment or internal note',
  message: 'Message',
  attachment: 'Attachment',
};

export const caseStatusWords: Readonly<Record<ModerationCaseStatus, string>> = {
  open: 'Open — no decision yet',
  disabled: 'Access disabled',
  enabled: 'Re-enabled',
};

export const actionWords: Readonly<Record<ModerationAction, string>> = {
  disabled: 'Access disabled',
  enabled: 'Access re-enabled',
};

export function categoryWords(category: ModerationCategory): string {
  return MODERATION_CATEGORY_LABELS[category];
}

export function sourceWords(source: ModerationCaseSource): string {
  return MODERATION_CASE_SOURCE_LABELS[source];
}

/**
 * Which item, in words an owner or the operator can find it by: its kind and where it is
 * (the document's kind and id from its doc id `<workspace>:<kind>:<id>`, the entry's id).
 */
export function itemWords(item: ModeratedItem): string {
  const kind = itemKindWords[item.kind];
  switch (item.kind) {
    case 'ticket':
    case 'notice':
      return `${kind} ${docIdTail(item.docId)}`;
    case 'comment':
    case 'message':
      return `${kind} ${item.itemId} in ${docTail(item.docId)}`;
    case 'attachment':
      return `${kind} ${item.blobId.slice(0, 12)}…${item.docId ? ` on ${docTail(item.docId)}` : ''}`;
  }
}

/** `ws:ticket:abc` → `ticket abc` (the workspace is known from where this is shown). */
function docTail(docId: string): string {
  const [, kind, ...rest] = docId.split(':');
  return kind && rest.length ? `${kind} ${rest.join(':')}` : docId;
}

/** `ws:ticket:abc` → `abc`. */
function docIdTail(docId: string): string {
  const [, kind, ...rest] = docId.split(':');
  return kind && rest.length ? rest.join(':') : docId;
}
