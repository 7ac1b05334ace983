import {
  ArchiveShard,
  ChannelDoc,
  extractLinks,
  NoticeDoc,
  proseMirrorHtml,
  proseMirrorJson,
  StoredIndex,
  TicketDoc,
  WorkspaceIndex,
  xmlPlainText,
  type ActivityEntry,
  type AttachmentRef,
  type ChannelRecord,
  type CommentRecord,
  type LinkInfo,
  type MessageRecord,
  type NoticeRecord,
  type TicketRecord,
} from '@desk/model';
import * as Y from 'yjs';
import { docOps } from '../offthread/docOps.ts';

/** A rich text three ways: ProseMirror JSON, plain text, HTML. */
export interface RenderedRichText {
  json: Record<string, unknown>;
  text: string;
  html: string;
}

/** What an export keeps of one document besides its raw state, by kind of document. */
export type RenderedDoc =
  | {
      kind: 'index';
      tickets: TicketRecord[];
      notices: NoticeRecord[];
      channels: ChannelRecord[];
    }
  | { kind: 'archive'; month: string; tickets: TicketRecord[] }
  | {
      kind: 'ticket';
      description: RenderedRichText;
      comments: (CommentRecord & { links: LinkInfo[] })[];
      attachments: AttachmentRef[];
      activity: ActivityEntry[];
    }
  | { kind: 'notice'; body: RenderedRichText }
  | { kind: 'channel'; messages: (MessageRecord & { links: LinkInfo[] })[] }
  | { kind: 'other' };

/**
 * The kind of a document by its name without the workspace prefix (`index`, `ticket:<id>`,
 * …), or null for documents an export leaves out: `user:<id>` docs are private to their
 * user (read markers, personal views) and no one else may read them, an admin included.
 */
export function exportedKind(name: string): RenderedDoc['kind'] | null {
  const kind = name.split(':')[0];
  switch (kind) {
    case 'index':
    case 'archive':
    case 'ticket':
    case 'notice':
    case 'channel':
      return kind;
    case 'user':
      return null;
    default:
      return 'other';
  }
}

function richText(fragment: Y.XmlFragment): RenderedRichText {
  const json = proseMirrorJson(fragment);
  return {
    json: json as unknown as Record<string, unknown>,
    text: xmlPlainText(fragment),
    html: proseMirrorHtml(json),
  };
}

/** Reads one document through @desk/model (never by hand), as plain data. */
export function renderDoc(name: string, doc: Y.Doc): RenderedDoc {
  switch (exportedKind(name)) {
    case 'index': {
      const index = new WorkspaceIndex(doc);
      // Rows read in the layout they were stored in (an index never migrated since schema 0
      // keeps tags as one string, "on-hold"…): normalised in memory, never written.
      const stored = new StoredIndex(doc);
      return {
        kind: 'index',
        tickets: stored
          .ids('tickets')
          .map((id) => stored.ticket(id))
          .filter((t): t is TicketRecord => t !== null),
        notices: index.notices.list(true),
        channels: index.channels.list(),
      };
    }
    case 'archive': {
      const month = name.slice('archive:'.length);
      return { kind: 'archive', month, tickets: new ArchiveShard(doc, month).all() };
    }
    case 'ticket': {
      const ticket = new TicketDoc(doc);
      return {
        kind: 'ticket',
        description: richText(ticket.description),
        comments: ticket
          .listComments()
          .map((c) => ({ ...c, links: c.deleted ? [] : extractLinks(c.body) })),
        attachments: ticket.listAttachments(),
        activity: ticket.listActivity(),
      };
    }
    case 'notice':
      return { kind: 'notice', body: richText(new NoticeDoc(doc).body) };
    case 'channel':
      return {
        kind: 'channel',
        messages: new ChannelDoc(doc)
          .list()
          .map((m) => ({ ...m, links: m.deleted ? [] : extractLinks(m.body) })),
      };
    default:
      return { kind: 'other' };
  }
}

/** Work of an export that grows with a document's size, for the worker thread (HeavyYjs). */
export const exportOps = {
  /**
   * A stored document (merged state, then its log) as one raw Yjs update and its rendering
   * (a RenderedDoc as JSON).
   */
  exportDoc(name: string, parts: Uint8Array[]): { state: Uint8Array; rendered: string } {
    const state = docOps.merge(parts) ?? Y.encodeStateAsUpdate(new Y.Doc());
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, state);
      // As JSON text: a 10,000-ticket index's rendering crosses from the worker as one
      // string, not an object graph rebuilt (and then stringified) on the event loop.
      return { state, rendered: JSON.stringify(renderDoc(name, doc)) };
    } finally {
      doc.destroy();
    }
  },
};

type ExportOps = typeof exportOps;

declare module '../offthread/HeavyOpTable.ts' {
  // A large index doc is read for an export on the worker (worker/heavyOps.ts).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends ExportOps {}
}
