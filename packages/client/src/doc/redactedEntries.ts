import * as Y from 'yjs';
import { CONTENT_DISABLED_MARKER, docItemKey, entryItemKey, parseDocId } from '@desk/protocol';

/**
 * The entries of a replica the server served redacted (terms §4: the marker in place of
 * their text) that no disabled item explains any more: re-enabled, possibly while this
 * replica was offline. The server's redacted items have the ids and lengths of the real
 * ones, so no state-vector exchange brings the text back: the replica must be filled afresh.
 */
export function holdsStaleRedaction(
  docId: string,
  doc: Y.Doc,
  disabled: ReadonlySet<string>,
): boolean {
  const parsed = parseDocId(docId);
  if (!parsed) return false;
  const ws = parsed.workspaceId;
  const stale = (root: string, keysOf: (key: string, value: unknown) => string[]): boolean => {
    if (!doc.share.has(root)) return false;
    let found = false;
    doc.getMap<unknown>(root).forEach((value, key) => {
      if (found || !isRedacted(value)) return;
      if (!keysOf(key, value).some((itemKey) => disabled.has(itemKey))) found = true;
    });
    return found;
  };
  switch (parsed.kind) {
    case 'ticket':
      return stale('comments', (key) => [entryItemKey(docId, key)]);
    case 'channel':
      return stale('messages', (key) => [entryItemKey(docId, key)]);
    case 'archive':
      return stale('tickets', (key) => [docItemKey(`${ws}:ticket:${key}`)]);
    case 'index':
      return (
        stale('tickets', (key) => [docItemKey(`${ws}:ticket:${key}`)]) ||
        stale('notices', (key) => [docItemKey(`${ws}:notice:${key}`)]) ||
        stale('mentions', (_key, value) => mentionKeys(ws, value))
      );
    default:
      return false;
  }
}

/** Whether an entry (a map of fields, or a plain object) holds the marker in a field. */
function isRedacted(value: unknown): boolean {
  if (value instanceof Y.Map) {
    for (const field of value.values()) if (field === CONTENT_DISABLED_MARKER) return true;
    return false;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).some((field) => field === CONTENT_DISABLED_MARKER);
  }
  return false;
}

/** The items whose being disabled redacts a mention: its comment or message, or its ticket. */
function mentionKeys(ws: string, value: unknown): string[] {
  const place = (value as { place?: Record<string, unknown> } | null)?.place;
  if (!place) return [];
  if (place.kind === 'ticket' && typeof place.ticketId === 'string') {
    const ticketDoc = `${ws}:ticket:${place.ticketId}`;
    return [docItemKey(ticketDoc), entryItemKey(ticketDoc, String(place.commentId))];
  }
  if (place.kind === 'channel' && typeof place.channelId === 'string') {
    return [entryItemKey(`${ws}:channel:${place.channelId}`, String(place.messageId))];
  }
  return [];
}
