/**
 * Reporting and disabling access (terms §4, issue 17): the words, lists and item references
 * both the server and the app use. No zod here, so the web bundle can import the values (the
 * REST schemas are in `rest/moderation.ts`).
 *
 * An item is addressed by a typed reference (`ModeratedItem`) and, everywhere a list or a map
 * needs one string, by its canonical key (`itemKeyOf`): `doc:<docId>` for a whole document
 * (ticket, notice), `doc:<docId>#<itemId>` for one comment or message inside a document, and
 * `blob:<sha256>` for an attachment's stored file.
 */

/** The terms' §4 list of prohibited content, in the order the terms give it. */
export const MODERATION_CATEGORIES = [
  'harm',
  'deceptive',
  'political',
  'privacy',
  'intellectual_property',
  'service',
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** Each category in the terms' words (what a reporter chooses from). */
export const MODERATION_CATEGORY_LABELS: Readonly<Record<ModerationCategory, string>> = {
  harm: 'Harming or disturbing others',
  deceptive: 'Deceptive, disparaging, harassing or obscene material',
  political: 'Politically motivated material such as propaganda or sabotage',
  privacy: 'Invasion of privacy or discrimination',
  intellectual_property: 'Infringement of intellectual property',
  service: 'Obstructing or damaging the service',
};

/** Outside notices the operator opens a case from (not a member's report). */
export const OUTSIDE_NOTICE_SOURCES = ['ip_notice', 'authority_notice'] as const;
export type OutsideNoticeSource = (typeof OUTSIDE_NOTICE_SOURCES)[number];

/** How a case was opened: a member's report, or an outside notice. */
export const MODERATION_CASE_SOURCES = ['report', ...OUTSIDE_NOTICE_SOURCES] as const;
export type ModerationCaseSource = (typeof MODERATION_CASE_SOURCES)[number];

export const MODERATION_CASE_SOURCE_LABELS: Readonly<Record<ModerationCaseSource, string>> = {
  report: 'Report by a member',
  ip_notice: 'Intellectual-property notice',
  authority_notice: "An authority's notification",
};

/**
 * Where a case is: `open` (no decision yet), `disabled` (access to the item is disabled),
 * `enabled` (re-enabled after being disabled).
 */
export const MODERATION_CASE_STATUSES = ['open', 'disabled', 'enabled'] as const;
export type ModerationCaseStatus = (typeof MODERATION_CASE_STATUSES)[number];

/** What an operator's decision did. */
export const MODERATION_ACTIONS = ['disabled', 'enabled'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** The kinds of item a member can report and the operator can disable. */
export const MODERATED_ITEM_KINDS = [
  'ticket',
  'notice',
  'comment',
  'message',
  'attachment',
] as const;
export type ModeratedItemKind = (typeof MODERATED_ITEM_KINDS)[number];

/**
 * A reported or disabled item. `ticket` and `notice` are whole documents (the server stops
 * serving them); `comment` (or internal note) and `message` are one entry inside a ticket or
 * channel document (the document is still served; views redact, clients hide); `attachment`
 * is a stored file by its SHA-256 (`docId`: the ticket it was reported on, if any).
 */
export type ModeratedItem =
  | { readonly kind: 'ticket'; readonly docId: string }
  | { readonly kind: 'notice'; readonly docId: string }
  | { readonly kind: 'comment'; readonly docId: string; readonly itemId: string }
  | { readonly kind: 'message'; readonly docId: string; readonly itemId: string }
  | { readonly kind: 'attachment'; readonly blobId: string; readonly docId?: string | undefined };

/** The canonical string key of an item (see the file comment). */
export function itemKeyOf(item: ModeratedItem): string {
  switch (item.kind) {
    case 'ticket':
    case 'notice':
      return `doc:${item.docId}`;
    case 'comment':
    case 'message':
      return `doc:${item.docId}#${item.itemId}`;
    case 'attachment':
      return `blob:${item.blobId}`;
  }
}

/** What an item key names, without its kind: a whole document, an entry in one, or a blob. */
export type ItemKeyTarget =
  | { readonly scope: 'doc'; readonly docId: string }
  | { readonly scope: 'entry'; readonly docId: string; readonly itemId: string }
  | { readonly scope: 'blob'; readonly blobId: string };

/** Reads an item key back (null if it is not one). */
export function parseItemKey(itemKey: string): ItemKeyTarget | null {
  if (itemKey.startsWith('blob:')) {
    const blobId = itemKey.slice(5);
    return blobId ? { scope: 'blob', blobId } : null;
  }
  if (!itemKey.startsWith('doc:')) return null;
  const rest = itemKey.slice(4);
  const hash = rest.indexOf('#');
  if (hash === -1) return rest ? { scope: 'doc', docId: rest } : null;
  const docId = rest.slice(0, hash);
  const itemId = rest.slice(hash + 1);
  return docId && itemId ? { scope: 'entry', docId, itemId } : null;
}

/** The key of a whole document (what `disabledItems` lists for a disabled ticket or notice). */
export function docItemKey(docId: string): string {
  return `doc:${docId}`;
}

/** The key of one entry (comment, note, message) of a document. */
export function entryItemKey(docId: string, itemId: string): string {
  return `doc:${docId}#${itemId}`;
}

/** The key of a stored file. */
export function blobItemKey(sha256: string): string {
  return `blob:${sha256}`;
}

/** What every member sees in place of disabled content. */
export const CONTENT_DISABLED_WORDS = 'Access to this content has been disabled';

/** The words with the operator's reason: "Access to this content has been disabled — <reason>". */
export function contentDisabledWords(reason: string): string {
  return reason ? `${CONTENT_DISABLED_WORDS} — ${reason}` : CONTENT_DISABLED_WORDS;
}

/**
 * What the server serves in place of each string of a disabled entry (comment, note, message,
 * a disabled ticket's index row, a mention excerpt) inside a shared document: the words,
 * after an invisible separator (U+2063) no member types, so a client can tell a redacted
 * replica from real text. Its Yjs items keep their ids and lengths (the stored bytes are
 * never changed), so a client that finds it in an entry that is no longer disabled resets
 * that document's replica to get the real text (PROTOCOL.md, "Disabled content").
 */
export const CONTENT_DISABLED_MARKER = `\u2063${CONTENT_DISABLED_WORDS}`;

/** Longest report text, notice text, reference and decision reason (characters). */
export const MODERATION_TEXT_MAX = 4_000;
export const MODERATION_REASON_MAX = 1_000;
export const MODERATION_REFERENCE_MAX = 200;
