import {
  ChannelDoc,
  FIRST_INDEX_GENERATION,
  generationOf,
  indexDocId,
  indexHeadDocId,
  NoticeDoc,
  StoredIndex,
  TicketDoc,
  xmlPlainText,
} from '@desk/model';
import { parseDocId, type ModeratedItem, type ReportedContent } from '@desk/protocol';
import * as Y from 'yjs';
import type { DocStore } from '../store/DocStore.ts';

/**
 * The workspace's uploads (BlobCatalog's `use` on its async interface, `Services.control`;
 * declared here so blobs/ may import us).
 */
export interface FileCatalog {
  use(
    workspaceId: string,
    sha256: string,
  ): Promise<{ name: string; type: string; size: number } | undefined>;
}

/** The document kind each item kind lives in. */
const DOC_KIND_OF: Record<Exclude<ModeratedItem['kind'], 'attachment'>, string> = {
  ticket: 'ticket',
  notice: 'notice',
  comment: 'ticket',
  message: 'channel',
};

/**
 * Reads reported items from the stored documents and files, for two purposes only: whether
 * an item exists in a workspace (a report or notice must name a real item of it), and the
 * operator's case view, which shows that item and nothing else of the workspace. Read-only:
 * documents are merged into a throw-away Y.Doc; the store is never written.
 */
export class ReportedItems {
  constructor(
    private readonly deps: {
      /** The stored documents: the embedded store, or a cluster's shared one. */
      readonly docStore: Pick<DocStore, 'loadInSlices'>;
      readonly blobCatalog: FileCatalog;
    },
  ) {}

  /** Whether `item` names a document (and entry) or file of `workspaceId`. */
  async exists(workspaceId: string, item: ModeratedItem): Promise<boolean> {
    if (item.kind === 'attachment') {
      if (item.docId !== undefined && !this.#docOf(workspaceId, item.docId, 'ticket')) {
        return false;
      }
      return (await this.deps.blobCatalog.use(workspaceId, item.blobId)) !== undefined;
    }
    if (!this.#docOf(workspaceId, item.docId, DOC_KIND_OF[item.kind])) return false;
    const doc = await this.#load(item.docId);
    if (!doc) return false;
    try {
      if (item.kind === 'comment') return new TicketDoc(doc).getComment(item.itemId) !== null;
      if (item.kind === 'message') {
        return new ChannelDoc(doc).list().some((m) => m.id === item.itemId);
      }
      return true;
    } finally {
      doc.destroy();
    }
  }

  /** The item's content, rendered as the operator's case view shows it. */
  async content(
    workspaceId: string,
    item: ModeratedItem,
    fileUrl: string,
  ): Promise<ReportedContent> {
    switch (item.kind) {
      case 'attachment': {
        const use = await this.deps.blobCatalog.use(workspaceId, item.blobId);
        if (!use) return { kind: 'missing' };
        return { kind: 'attachment', name: use.name, type: use.type, size: use.size, url: fileUrl };
      }
      case 'ticket': {
        const id = parseDocId(item.docId)?.id;
        const doc = await this.#load(item.docId);
        const index = await this.#loadIndex(workspaceId);
        try {
          const row = id && index ? new StoredIndex(index).ticket(id) : null;
          if (!doc && !row) return { kind: 'missing' };
          return {
            kind: 'ticket',
            title: row?.title ?? '',
            description: doc ? xmlPlainText(new TicketDoc(doc).description) : '',
            fields: row
              ? [
                  {
                    name: 'Number',
                    value: row.number === null ? row.provisionalNumber : `#${row.number}`,
                  },
                  { name: 'Status', value: row.status },
                  { name: 'Priority', value: row.priority },
                  { name: 'Type', value: row.type },
                  { name: 'Tags', value: row.tags.join(', ') },
                  { name: 'Due', value: row.dueDate ?? '' },
                  {
                    name: 'Requester',
                    value: row.requester ? `${row.requester.name} <${row.requester.email}>` : '',
                  },
                ]
              : [],
          };
        } finally {
          doc?.destroy();
          index?.destroy();
        }
      }
      case 'notice': {
        const id = parseDocId(item.docId)?.id;
        const doc = await this.#load(item.docId);
        const index = await this.#loadIndex(workspaceId);
        try {
          const row = id && index ? new StoredIndex(index).notice(id) : null;
          if (!doc && !row) return { kind: 'missing' };
          return {
            kind: 'notice',
            title: row?.title ?? '',
            body: doc ? xmlPlainText(new NoticeDoc(doc).body) : '',
          };
        } finally {
          doc?.destroy();
          index?.destroy();
        }
      }
      case 'comment': {
        const doc = await this.#load(item.docId);
        try {
          const comment = doc ? new TicketDoc(doc).getComment(item.itemId) : null;
          if (!comment) return { kind: 'missing' };
          return {
            kind: 'comment',
            body: comment.body,
            author: comment.authorName,
            createdAt: comment.createdAt,
          };
        } finally {
          doc?.destroy();
        }
      }
      case 'message': {
        const doc = await this.#load(item.docId);
        try {
          const message = doc ? new ChannelDoc(doc).list().find((m) => m.id === item.itemId) : null;
          if (!message) return { kind: 'missing' };
          return {
            kind: 'message',
            text: message.body,
            author: message.authorName,
            createdAt: message.createdAt,
          };
        } finally {
          doc?.destroy();
        }
      }
    }
  }

  #docOf(workspaceId: string, docId: string, kind: string): boolean {
    const parsed = parseDocId(docId);
    return parsed !== null && parsed.workspaceId === workspaceId && parsed.kind === kind;
  }

  /** The stored document merged into a new Y.Doc (null if it was never written). */
  /**
   * The newest generation of the index (issue 15 #4, SPEC IDX-GEN): the one the head names
   * (`<ws>:index` before any rewrite). An older generation lacks what was written since.
   */
  async #loadIndex(workspaceId: string): Promise<Y.Doc | null> {
    const head = await this.#load(indexHeadDocId(workspaceId));
    const generation = head ? generationOf(head) : FIRST_INDEX_GENERATION;
    head?.destroy();
    return this.#load(indexDocId(workspaceId, generation));
  }

  async #load(docId: string): Promise<Y.Doc | null> {
    const stored = await this.deps.docStore.loadInSlices(docId);
    if (!stored) return null;
    const doc = new Y.Doc();
    if (stored.state) Y.applyUpdate(doc, stored.state);
    for (const update of stored.log) Y.applyUpdate(doc, update);
    return doc;
  }
}
