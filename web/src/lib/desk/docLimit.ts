import * as Y from 'yjs';
import { formatBytes } from '@desk/model';
import type { DocLimits } from '@desk/protocol';

/** Bytes a change adds besides its text (ids, fields, the activity entry), rounded up. */
export const CHANGE_OVERHEAD_BYTES = 512;

/** What a ticket change is checked with: the doc as this device holds it, and its limits. */
export interface LimitedDoc {
  readonly doc: Y.Doc;
  /** The plan's limits the server sent with `subscribed`; null or absent when not known. */
  readonly limits?: DocLimits | null;
}

/**
 * Why a change that adds `addedText` to the document would be refused for its size (SPEC
 * LIMIT-3), in words, or null when it fits or the limit is not known. The document's size
 * is its state as this device holds it — what the server stores is at least that — plus the
 * change (its text in UTF-8 and an overhead); so the app refuses first instead of letting
 * the server refuse and reset the ticket. Deletions are never checked: they always go.
 */
export function docLimitRefusal(
  handle: LimitedDoc,
  addedText: string,
  what: 'ticket' | 'channel' = 'ticket',
): string | null {
  const max = handle.limits?.maxDocBytes ?? null;
  if (max === null) return null;
  const size = Y.encodeStateAsUpdate(handle.doc).byteLength;
  const adding = new TextEncoder().encode(addedText).byteLength + CHANGE_OVERHEAD_BYTES;
  if (size + adding <= max) return null;
  return what === 'ticket'
    ? `This ticket has reached the size limit of the plan (${formatBytes(max)}): the change was not made. Your text is kept here — copy it into a new ticket, or delete old comments or attachments of this one first.`
    : `This channel has reached the size limit of the plan (${formatBytes(max)}): the message was not sent. Your text is kept here — post it in a new channel, or delete old messages first.`;
}
