import * as Y from 'yjs';
import { nextGenerationOf, TicketDoc, TicketIndex, type TicketRecord } from '@desk/model';
import type { TicketSearchFields } from './TicketSearchIndex.ts';

/**
 * Characters of a ticket's description and thread the server indexes. A ticket past this
 * is found by its first 16,000 characters; the device's own index has the whole text.
 * @default 16000
 */
export const MAX_INDEXED_BODY = 16_000;

/**
 * Reading searchable text out of stored documents, with @desk/model's own readers (the
 * text is what the app shows). Pure functions of bytes in, plain data out, registered in
 * HeavyYjs's registry: a large index doc is decoded on the worker thread, a ticket doc
 * (small) inline.
 */
export const searchOps = {
  /** A ticket doc's description and live comments as plain text. */
  ticketBody(parts: Uint8Array[]): string {
    const doc = docOf(parts);
    try {
      return ticketSearchText(doc);
    } finally {
      doc.destroy();
    }
  },

  /**
   * Every ticket record of an index doc (or archive shard: the same `tickets` map). None of
   * an index generation the server replaced (issue 15 #4, `meta.next`): its rows are as they
   * were at the switch, and projecting them after the newer generation's would put stale
   * fields back (a late device's write, or the replay's cursor, changes it again later).
   */
  ticketFields(parts: Uint8Array[]): TicketSearchFields[] {
    const doc = docOf(parts);
    try {
      if (nextGenerationOf(doc) !== null) return [];
      return new TicketIndex(doc).all().map(searchFieldsOf);
    } finally {
      doc.destroy();
    }
  },
};

/**
 * A ticket doc's description and live comments as plain text, from a doc already decoded
 * (the loaded room's, which the projector reads instead of decoding the stored one). Reads
 * only: naming the ticket's root types is all it does to the doc.
 */
export function ticketSearchText(doc: Y.Doc): string {
  return new TicketDoc(doc).searchText(MAX_INDEXED_BODY);
}

function docOf(parts: Uint8Array[]): Y.Doc {
  // A guid of our own: Yjs's default is a random UUID drawn one character at a time from
  // crypto (31 calls), 3 % of the server's CPU with many ticket docs read (issue 13).
  const doc = new Y.Doc({ gc: false, guid: 'search' });
  for (const part of parts) Y.applyUpdate(doc, part);
  return doc;
}

export function searchFieldsOf(record: TicketRecord): TicketSearchFields {
  const people = [
    record.number === null ? record.provisionalNumber : `#${record.number}`,
    record.requester?.name ?? '',
    record.requester?.email ?? '',
    ...record.tags,
  ];
  return {
    ticketId: record.id,
    number: record.number,
    title: record.title,
    people: people.filter(Boolean).join(' '),
    deleted: record.deleted,
    listRow: {
      id: record.id,
      number: record.number,
      provisionalNumber: record.provisionalNumber,
      title: record.title,
      status: record.status,
      priority: record.priority,
      assigneeId: record.assigneeId,
      tags: [...record.tags],
      updatedAt: record.updatedAt,
    },
  };
}

type SearchOps = typeof searchOps;

declare module '../offthread/HeavyOpTable.ts' {
  // A large index doc is read for the search projection on the worker (worker/heavyOps.ts).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HeavyOpTable extends SearchOps {}
}
