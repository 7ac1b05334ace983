import * as Y from 'yjs';
import type {
  RichNode,
  SnapshotComment,
  SnapshotNoticeSummary,
  SnapshotTicketSummary,
} from '@desk/protocol';

/**
 * Read-only views of documents as they were, for browsing a snapshot. They read the raw
 * Yjs structures the model writes (packages/model: index rows, ticket and notice docs)
 * defensively: a snapshot may predate a schema change, so nothing here assumes a field.
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

/** Comments of a ticket doc (root map `comments`), oldest first. */
export function commentsOf(ticket: Y.Doc): SnapshotComment[] {
  const out: SnapshotComment[] = [];
  ticket.getMap<unknown>('comments').forEach((entry, id) => {
    const f = entryFields(entry);
    out.push({
      id,
      kind: typeof f.kind === 'string' ? f.kind : 'note',
      authorName: typeof f.authorName === 'string' ? f.authorName : 'Someone',
      body: typeof f.body === 'string' ? f.body : '',
      createdAt: typeof f.createdAt === 'number' ? f.createdAt : 0,
      deleted: f.deleted === true,
    });
  });
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** Ticket-level attachments (root map `attachments`: id → { id, name, … }). */
export function attachmentsOf(ticket: Y.Doc): { id: string; name: string }[] {
  const out: { id: string; name: string }[] = [];
  ticket.getMap<unknown>('attachments').forEach((value, id) => {
    const name =
      value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string'
        ? (value as { name: string }).name
        : id;
    out.push({ id, name });
  });
  return out;
}
