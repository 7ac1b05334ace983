import MiniSearch, { type Options } from 'minisearch';
import type { TicketRecord } from '@desk/model';

/**
 * The persisted format of the device index. Bump it when the documents, fields, tokenizer
 * or snapshot shape change: a snapshot of another version is dropped and rebuilt.
 */
export const SEARCH_INDEX_VERSION = 1;

/** Characters of a ticket's description and thread the device indexes. @default 20000 */
export const MAX_LOCAL_BODY = 20_000;

/** What the index knows of a ticket, to tell what is stale. */
export interface IndexedTicket {
  /** `updatedAt:number` of the record indexed (a number arrives without an update). */
  readonly record: string;
  /** `updatedAt` of the record when its ticket doc's text was read; null: text not read. */
  readonly textAt: number | null;
}

/** The index as stored: both MiniSearch indexes as JSON and what each ticket was indexed at. */
export interface SearchSnapshot {
  readonly version: number;
  readonly fields: string;
  readonly text: string;
  readonly tickets: readonly (readonly [string, IndexedTicket])[];
}

interface FieldsDoc {
  id: string;
  title: string;
  people: string;
}

interface TextDoc {
  id: string;
  body: string;
}

const fieldsOptions: Options<FieldsDoc> = { fields: ['title', 'people'], storeFields: [] };
const textOptions: Options<TextDoc> = { fields: ['body'], storeFields: [] };

/** Letters and digits; everything else separates words (as the server's unicode61). */
const WORD = /[\p{L}\p{N}]+/gu;

export function searchWords(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).slice(0, 16);
}

export function recordSignature(record: TicketRecord): string {
  return `${record.updatedAt}:${record.number ?? ''}`;
}

/**
 * The device-local full-text index of one workspace (issue 15), in memory: two MiniSearch
 * indexes, one of the small fields of every ticket record the device has (title; number,
 * requester and tags as `people`) and one of the description and thread of every ticket
 * doc it holds. Two because they change apart: a record edit must not need the ticket
 * doc's text and a comment must not need the record. A query's words must each match in
 * either (AND across words), the last as a prefix; each word is one lookup in a radix tree,
 * never a scan of the tickets.
 */
export class LocalTicketIndex {
  readonly #fields: MiniSearch<FieldsDoc>;
  readonly #text: MiniSearch<TextDoc>;
  readonly #tickets: Map<string, IndexedTicket>;

  private constructor(
    fields: MiniSearch<FieldsDoc>,
    text: MiniSearch<TextDoc>,
    tickets: Map<string, IndexedTicket>,
  ) {
    this.#fields = fields;
    this.#text = text;
    this.#tickets = tickets;
  }

  static empty(): LocalTicketIndex {
    return new LocalTicketIndex(
      new MiniSearch(fieldsOptions),
      new MiniSearch(textOptions),
      new Map(),
    );
  }

  /** The index a snapshot holds, or null when it was written in another format. */
  static async restore(snapshot: SearchSnapshot): Promise<LocalTicketIndex | null> {
    if (snapshot.version !== SEARCH_INDEX_VERSION) return null;
    const [fields, text] = await Promise.all([
      MiniSearch.loadJSONAsync<FieldsDoc>(snapshot.fields, fieldsOptions),
      MiniSearch.loadJSONAsync<TextDoc>(snapshot.text, textOptions),
    ]);
    return new LocalTicketIndex(fields, text, new Map(snapshot.tickets));
  }

  snapshot(): SearchSnapshot {
    return {
      version: SEARCH_INDEX_VERSION,
      fields: JSON.stringify(this.#fields),
      text: JSON.stringify(this.#text),
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
    const people = [
      record.number === null ? record.provisionalNumber : `#${record.number}`,
      record.requester?.name ?? '',
      record.requester?.email ?? '',
      ...record.tags,
    ].join(' ');
    const doc = { id: record.id, title: record.title, people };
    if (this.#fields.has(record.id)) this.#fields.replace(doc);
    else this.#fields.add(doc);
    const before = this.#tickets.get(record.id);
    this.#tickets.set(record.id, {
      record: recordSignature(record),
      textAt: before?.textAt ?? null,
    });
  }

  /** The ticket doc's text, read when the record said `updatedAt`. */
  putText(ticketId: string, body: string, updatedAt: number): void {
    const doc = { id: ticketId, body: body.slice(0, MAX_LOCAL_BODY) };
    if (this.#text.has(ticketId)) this.#text.replace(doc);
    else this.#text.add(doc);
    const before = this.#tickets.get(ticketId);
    this.#tickets.set(ticketId, { record: before?.record ?? '', textAt: updatedAt });
  }

  /** Ids of tickets matching every word of `text`; empty for no words. */
  search(text: string): Set<string> {
    const words = searchWords(text);
    let result: Set<string> | null = null;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      // A one-letter prefix would match most of the desk: the last word is a prefix from 2.
      const prefix = i === words.length - 1 && word.length >= 2;
      const matches = new Set<string>();
      for (const hit of this.#fields.search(word, { prefix, boost: { title: 3 } })) {
        if (!result || result.has(hit.id as string)) matches.add(hit.id as string);
      }
      for (const hit of this.#text.search(word, { prefix })) {
        if (!result || result.has(hit.id as string)) matches.add(hit.id as string);
      }
      result = matches;
      if (result.size === 0) break;
    }
    return result ?? new Set();
  }
}
