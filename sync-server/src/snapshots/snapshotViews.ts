import type { NoticeRecord, TicketDoc, TicketRecord } from '@desk/model';
import * as Y from 'yjs';
import {
  contentDisabledWords,
  type RichNode,
  type SnapshotComment,
  type SnapshotNoticeSummary,
  type SnapshotTicketSummary,
} from '@desk/protocol';

/**
 * Read-only views of documents as they were, for browsing a snapshot, all read through
 * @desk/model: ticket docs with its defensive readers, index rows with `StoredIndex`, which
 * reads whatever layout the snapshot was taken in (a snapshot is never migrated).
 */

export function ticketSummary(ticket: TicketRecord): SnapshotTicketSummary {
  return {
    id: ticket.id,
    number: ticket.number,
    title: ticket.title,
    status: ticket.status,
    deleted: ticket.deleted,
  };
}

export function noticeSummary(notice: NoticeRecord): SnapshotNoticeSummary {
  return { id: notice.id, title: notice.title, deleted: notice.deleted };
}

/** A rich-text fragment (ProseMirror via y-prosemirror) as a tree the UI renders read-only. */
export function richNodes(fragment: Y.XmlFragment): RichNode[] {
  return fragment.toArray().flatMap((node): RichNode[] => {
    if (node instanceof Y.XmlText) return [textNode(node)];
    if (node instanceof Y.XmlElement) {
      const attrs: Record<string, string> = {};
      for (const [key, value] of Object.entries(node.getAttributes())) {
        if (value !== undefined && value !== null) attrs[key] = String(value);
      }
      return [{ type: 'element', name: node.nodeName, attrs, children: richNodes(node) }];
    }
    return [];
  });
}

function textNode(text: Y.XmlText): RichNode {
  const runs = (text.toDelta() as { insert?: unknown; attributes?: Record<string, unknown> }[])
    .filter((op) => typeof op.insert === 'string')
    .map((op) => ({ text: op.insert as string, marks: op.attributes ?? {} }));
  return { type: 'text', runs };
}

/** Comments of a ticket doc as the model reads them, oldest first. */
export function commentsOf(ticket: TicketDoc): SnapshotComment[] {
  return ticket.listComments().map((c) => ({
    id: c.id,
    kind: c.kind,
    authorName: c.authorName,
    body: c.body,
    createdAt: c.createdAt,
    deleted: c.deleted,
  }));
}

/**
 * Ticket-level attachments as the model reads them, oldest first; a file whose access the
 * operator disabled (terms §4) is named by the words, not its name (as the app shows it).
 */
export function attachmentsOf(
  ticket: TicketDoc,
  disabledReason: (sha256: string) => string | null = () => null,
): { id: string; name: string }[] {
  return ticket.listAttachments().map((a) => {
    const reason = disabledReason(a.sha256);
    return { id: a.id, name: reason === null ? a.name : contentDisabledWords(reason) };
  });
}
