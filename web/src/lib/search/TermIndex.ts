/**
 * An inverted index of words to documents, built for keystroke filtering: a query word is
 * one map lookup (exact) or a scan of the terms sharing its first two letters (prefix),
 * then a walk over those terms' postings. No scoring, no per-query allocation beyond one
 * byte per ticket. Documents are numbered in the order added; replacing one adds it again
 * under a new number and leaves the old number dead (its postings are skipped) until
 * `compact` drops dead numbers, so an update never searches the postings it leaves.
 */
export class TermIndex {
  /** term → its entry: document numbers, ascending (as restored: a view of the stored array). */
  #postings = new Map<string, Entry>();
  /** First two letters → the terms starting so with their postings, for prefix lookups. */
  #buckets = new Map<string, Bucket>();
  /** document number → owner (the ticket's slot in LocalTicketIndex), -1 when dead. */
  #owners: number[] = [];
  #dead = 0;

  /** Adds a document with these (unique, normalized) terms; returns its number. */
  add(owner: number, terms: Iterable<string>): number {
    const doc = this.#owners.length;
    this.#owners.push(owner);
    for (const term of terms) {
      let entry = this.#postings.get(term);
      if (!entry) {
        entry = { term, list: [] };
        this.#postings.set(term, entry);
        this.#file(entry);
      }
      // Restored lists are views of the stored typed array, copied on their first change.
      if (!Array.isArray(entry.list)) entry.list = Array.from(entry.list);
      (entry.list as number[]).push(doc);
    }
    return doc;
  }

  remove(doc: number): void {
    if (this.#owners[doc] === undefined || this.#owners[doc] === -1) return;
    this.#owners[doc] = -1;
    this.#dead += 1;
  }

  /** Sets `hits[owner] = 1` for every live document holding `word` (or a word it begins). */
  mark(word: string, prefix: boolean, hits: Uint8Array, within: Uint8Array | null): void {
    const visit = (entry: Entry | undefined) => {
      if (!entry) return;
      const list = entry.list;
      for (const doc of list) {
        const owner = this.#owners[doc]!;
        if (owner !== -1 && (within === null || within[owner] === 1)) hits[owner] = 1;
      }
    };
    if (!prefix || word.length < 2) {
      visit(this.#postings.get(word));
      return;
    }
    const bucket = this.#buckets.get(word.slice(0, 2));
    if (!bucket) return;
    if (!bucket.sorted) {
      bucket.entries.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
      bucket.sorted = true;
    }
    // The terms beginning with `word` are one run of the sorted bucket: find its start.
    const { entries } = bucket;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid]!.term < word) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < entries.length && entries[i]!.term.startsWith(word); i++) {
      visit(entries[i]);
    }
  }

  /** Whether dead numbers are worth dropping (a third of all). */
  get wasteful(): boolean {
    return this.#dead > 1000 && this.#dead * 3 > this.#owners.length;
  }

  /** Renumbers the live documents; `moved(owner, doc)` with each one's new number. */
  compact(moved: (owner: number, doc: number) => void): void {
    const renumber = new Int32Array(this.#owners.length).fill(-1);
    const owners: number[] = [];
    this.#owners.forEach((owner, doc) => {
      if (owner === -1) return;
      renumber[doc] = owners.length;
      moved(owner, owners.length);
      owners.push(owner);
    });
    for (const [term, entry] of this.#postings) {
      const kept: number[] = [];
      for (const doc of entry.list) if (renumber[doc]! !== -1) kept.push(renumber[doc]!);
      if (kept.length) entry.list = kept;
      else this.#postings.delete(term);
    }
    this.#buckets = new Map();
    for (const entry of this.#postings.values()) this.#file(entry);
    this.#owners = owners;
    this.#dead = 0;
  }

  #file(entry: Entry): void {
    const key = entry.term.slice(0, 2);
    const bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.entries.push(entry);
      bucket.sorted = false;
    } else {
      this.#buckets.set(key, { entries: [entry], sorted: true });
    }
  }

  /** The index as plain arrays (IndexedDB stores typed arrays as they are). */
  toData(): TermIndexData {
    const terms = [...this.#postings.keys()];
    const offsets = new Uint32Array(terms.length + 1);
    let total = 0;
    terms.forEach((term, i) => {
      offsets[i] = total;
      total += this.#postings.get(term)!.list.length;
    });
    offsets[terms.length] = total;
    const postings = new Uint32Array(total);
    terms.forEach((term, i) => postings.set(this.#postings.get(term)!.list, offsets[i]!));
    return { terms, offsets, postings, owners: Int32Array.from(this.#owners) };
  }

  static fromData(data: TermIndexData): TermIndex {
    const index = new TermIndex();
    index.#owners = Array.from(data.owners);
    index.#dead = index.#owners.filter((owner) => owner === -1).length;
    data.terms.forEach((term, i) => {
      const entry = { term, list: data.postings.subarray(data.offsets[i], data.offsets[i + 1]) };
      index.#postings.set(term, entry);
      index.#file(entry);
    });
    return index;
  }
}

interface Entry {
  readonly term: string;
  list: number[] | Uint32Array;
}

/** The terms sharing their first two letters, sorted when first searched after a change. */
interface Bucket {
  entries: Entry[];
  sorted: boolean;
}

export interface TermIndexData {
  readonly terms: readonly string[];
  /** `postings` of `terms[i]` are `postings[offsets[i]] … postings[offsets[i + 1] - 1]`. */
  readonly offsets: Uint32Array;
  readonly postings: Uint32Array;
  readonly owners: Int32Array;
}

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}/gu;

/** Lower-case words of letters and digits, accents removed (as the server's unicode61). */
export function termsOf(text: string): string[] {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase().match(WORD) ?? [];
}
