import type { TicketDoc } from '@desk/model';
import * as Y from 'yjs';
import type {
  RichNode,
  SnapshotComment,
  SnapshotNoticeSummary,
  SnapshotTicketSummary,
} from '@desk/protocol';

/**
 * Read-only views of documents as they were, for browsing a snapshot. Ticket docs are read
 * through @desk/model (whose readers are defensive: a snapshot may predate a schema
 * change); index rows are read here as plain fields, as they were stored, since the index
 * layout changes between versions (archive shards) and a snapshot keeps the old one.
 */

export function ticketSummary(id: string, entry: unknown): SnapshotTicketSummary {
  const fields = entryFields(entry);
  return {
    id,
    number: typeof fields.number === 'number' ? fields.number : null,
    title: typeof fields.title === 'string' ? fields.title : '(untitled)',
    status: typeof fields.status === 'string' ? fields.status : 'new',
    deleted: fields.deleted === true,
  };
}

export function noticeSummary(id: string, entry: unknown): SnapshotNoticeSummary {
  const fields = entryFields(entry);
  return {
    id,
    title: typeof fields.title === 'string' ? fields.title : '(untitled)',
    deleted: fields.deleted === true,
  };
}

/** An index row (a Y.Map of small fields) as plain JSON. */
export function entryFields(entry: unknown): Record<string, unknown> {
  return entry instanceof Y.Map ? (entry.toJSON() as Record<string, unknown>) : {};
}

/** Every row of an index root map (`tickets`, `notices`), by id. */
export function entriesOf(index: Y.Doc, root: 'tickets' | 'notices'): Map<string, unknown> {
  const out = new Map<string, unknown>();
  index.getMap<unknown>(root).forEach((entry, id) => out.set(id, entry));
  return out;
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

/** Ticket-level attachments as the model reads them, oldest first. */
export function attachmentsOf(ticket: TicketDoc): { id: string; name: string }[] {
  return ticket.listAttachments().map((a) => ({ id: a.id, name: a.name }));
}
