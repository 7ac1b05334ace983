import type { TicketRecord } from '@desk/model';
import { MatchSet } from './MatchSet.ts';
import { TermIndex, termsOf, type TermIndexData } from './TermIndex.ts';

/**
 * The persisted format of the device index. Bump it when the terms, fields or snapshot
 * shape change: a snapshot of another version is dropped and rebuilt from the tickets.
 */
export const SEARCH_INDEX_VERSION = 2;

/** Characters of a ticket's description and thread the device indexes. @default 20000 */
export const MAX_LOCAL_BODY = 20_000;

/** Words of one query that are matched; more are ignored (a pasted paragraph). */
const MAX_QUERY_WORDS = 16;

/** What the index knows of a ticket, to tell what is stale. */
export interface IndexedTicket {
  /** `updatedAt:number` of the record indexed (a number arrives without an update). */
  readonly record: string;
  /** `updatedAt` of the record when its ticket doc's text was read; null: text not read. */
  readonly textAt: number | null;
}

/** The index as stored in IndexedDB (typed arrays are stored as they are, no JSON). */
export interface SearchSnapshot {
  readonly version: number;
  /** slot → ticket id */
  readonly ids: readonly string[];
  readonly fields: TermIndexData;
  readonly text: TermIndexData;
  /** slot → document number in `fields` / `text` (-1: none). */
  readonly fieldsDocs: Int32Array;
  readonly textDocs: Int32Array;
  readonly tickets: readonly (readonly [string, IndexedTicket])[];
}

export function searchWords(text: string): string[] {
  return termsOf(text).slice(0, MAX_QUERY_WORDS);
}

export function recordSignature(record: TicketRecord): string {
  return `${record.updatedAt}:${record.number ?? ''}`;
}

/**
 * The device-local full-text index of one workspace (issue 15), in memory: the words of
 * every ticket record the device has (title; number, requester and tags) and of the
 * description and thread of every ticket doc it holds, in two term indexes because they
 * change apart (a record edit must not need the doc's text, a comment must not need the
 * record). A query's words must each match in either (AND across words), the last as a
 * prefix: per word a few term lookups and a walk over their postings, never a scan of the
 * tickets' text. (MiniSearch, tried first, scores every match: 66 ms median and 324 ms p95
 * per keystroke at 10,000 tickets with 2 KB of text each, 690 MB of heap.)
 */
export class LocalTicketIndex {
  #ids: string[] = [];
  readonly #slots = new Map<string, number>();
  #fields = new TermIndex();
  #text = new TermIndex();
  #fieldsDocs: number[] = [];
  #textDocs: number[] = [];
  #tickets = new Map<string, IndexedTicket>();

  static empty(): LocalTicketIndex {
    return new LocalTicketIndex();
  }

  /** The index a snapshot holds, or null when it was written in another format. */
  static restore(snapshot: SearchSnapshot): LocalTicketIndex | null {
    if (snapshot.version !== SEARCH_INDEX_VERSION) return null;
    const index = new LocalTicketIndex();
    index.#ids = [...snapshot.ids];
    index.#ids.forEach((id, slot) => index.#slots.set(id, slot));
    index.#fields = TermIndex.fromData(snapshot.fields);
    index.#text = TermIndex.fromData(snapshot.text);
    index.#fieldsDocs = Array.from(snapshot.fieldsDocs);
    index.#textDocs = Array.from(snapshot.textDocs);
    index.#tickets = new Map(snapshot.tickets);
    return index;
  }

  /** The index to store; drops the numbers of replaced documents first if they add up. */
  snapshot(): SearchSnapshot {
    if (this.#fields.wasteful) this.#fields.compact((slot, doc) => (this.#fieldsDocs[slot] = doc));
    if (this.#text.wasteful) this.#text.compact((slot, doc) => (this.#textDocs[slot] = doc));
    return {
      version: SEARCH_INDEX_VERSION,
      ids: [...this.#ids],
      fields: this.#fields.toData(),
      text: this.#text.toData(),
      fieldsDocs: Int32Array.from(this.#fieldsDocs),
      textDocs: Int32Array.from(this.#textDocs),
      tickets: [...this.#tickets],
    };
  }

  get size(): number {
    return this.#tickets.size;
  }

  entry(ticketId: string): IndexedTicket | undefined {
    return this.#tickets.get(ticketId);
  }

  /** Whether the record changed since it was indexed. */
  isStale(record: TicketRecord): boolean {
    return this.#tickets.get(record.id)?.record !== recordSignature(record);
  }

  /** Whether the ticket doc's text is older than the record says (or was never read). */
  needsText(record: TicketRecord): boolean {
    return this.#tickets.get(record.id)?.textAt !== record.updatedAt;
  }

  putRecord(record: TicketRecord): void {
    const slot = this.#slot(record.id);
    const words = [
      record.title,
      record.number === null ? record.provisionalNumber : `#${record.number}`,
      record.requester?.name ?? '',
      record.requester?.email ?? '',
      ...record.tags,
    ].join(' ');
    this.#fields.remove(this.#fieldsDocs[slot]!);
    this.#fieldsDocs[slot] = this.#fields.add(slot, new Set(termsOf(words)));
    const before = this.#tickets.get(record.id);
    this.#tickets.set(record.id, {
      record: recordSignature(record),
      textAt: before?.textAt ?? null,
    });
  }

  /** The ticket doc's text, read when the record said `updatedAt`. */
  putText(ticketId: string, body: string, updatedAt: number): void {
    const slot = this.#slot(ticketId);
    this.#text.remove(this.#textDocs[slot]!);
    this.#textDocs[slot] = this.#text.add(slot, new Set(termsOf(body.slice(0, MAX_LOCAL_BODY))));
    const before = this.#tickets.get(ticketId);
    this.#tickets.set(ticketId, { record: before?.record ?? '', textAt: updatedAt });
  }

  /** Ids of tickets matching every word of `text`; empty for no words. */
  search(text: string): MatchSet {
    const words = searchWords(text);
    let within: Uint8Array | null = null;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      // A one-letter prefix would match most of the desk: the last word is a prefix from 2.
      const prefix = i === words.length - 1;
      const hits: Uint8Array = new Uint8Array(this.#ids.length);
      this.#fields.mark(word, prefix, hits, within);
      this.#text.mark(word, prefix, hits, within);
      within = hits;
    }
    return new MatchSet(within, this.#slots, this.#ids);
  }

  #slot(ticketId: string): number {
    let slot = this.#slots.get(ticketId);
    if (slot === undefined) {
      slot = this.#ids.length;
      this.#ids.push(ticketId);
      this.#slots.set(ticketId, slot);
      this.#fieldsDocs.push(-1);
      this.#textDocs.push(-1);
    }
    return slot;
  }
}
