import type { TicketRecord, TicketTextSearch } from '@desk/model';
import { LocalTicketIndex } from './LocalTicketIndex.ts';

/** What the operator disabled in the workspace, as the search needs it (`DisabledItems`). */
export interface HiddenTickets {
  /** Tickets whose whole content is disabled. */
  readonly withheldTickets: ReadonlySet<string>;
  /** Ids of a ticket's disabled comments and notes. */
  hiddenComments(ticketId: string): ReadonlySet<string>;
  ticketsWithHiddenComments(): Iterable<string>;
  onChange(listener: () => void): () => void;
}

/** The ticket docs on this device, read without the comments given. */
export interface CleanTexts {
  held(): Promise<ReadonlySet<string> | 'all'>;
  read(ticketId: string, hidden: ReadonlySet<string>): Promise<string>;
}

/**
 * The device's text search with disabled content left out (terms §4, issue 17): a word found
 * only in content the operator disabled finds nothing, as the server's search shows nothing of
 * it. The device index (`LocalTicketSearch`) holds every word of the replica — also kept
 * between starts, from before a disabling — so its answer is checked here, for the few tickets
 * the disabled list names:
 *
 * - a disabled ticket is never a text match (the list matches it by number only:
 *   `TicketList.setWithheld`);
 * - a ticket with disabled comments held on this device matches only if its record or its text
 *   without those comments holds every word (read from the replica into a small index of its
 *   own, again when the ticket or the list changed);
 * - one not on this device is the server's hit, which has no snippet for it (`Redaction.searchHit`).
 *
 * Re-enabling needs no re-indexing: the device index still holds the words.
 */
export class ModeratedTextSearch implements TicketTextSearch {
  /** Tickets with disabled comments, their records and text without those comments. */
  readonly #clean = LocalTicketIndex.empty();
  /** What `#clean` holds per ticket: `updatedAt|hidden comment ids`. */
  readonly #cleanAs = new Map<string, string>();

  constructor(
    private readonly inner: TicketTextSearch,
    private readonly hidden: HiddenTickets,
    private readonly texts: CleanTexts,
    private readonly record: (ticketId: string) => TicketRecord | null,
  ) {}

  search(text: string): Promise<ReadonlySet<string>> {
    const { withheldTickets } = this.hidden;
    const someComments = !this.hidden.ticketsWithHiddenComments()[Symbol.iterator]().next().done;
    // Nothing disabled (nearly always): the device's answer as it is, not a tick later.
    if (withheldTickets.size === 0 && !someComments) return this.inner.search(text);
    return this.#filtered(text);
  }

  async #filtered(text: string): Promise<ReadonlySet<string>> {
    const ids = await this.inner.search(text);
    const drop = new Set<string>();
    for (const id of this.hidden.withheldTickets) if (ids.has(id)) drop.add(id);
    let held: ReadonlySet<string> | 'all' | null = null;
    for (const id of this.hidden.ticketsWithHiddenComments()) {
      if (!ids.has(id) || drop.has(id)) continue;
      const record = this.record(id);
      if (!record) continue; // a server-only hit: shown apart, without a snippet
      held ??= await this.texts.held().catch(() => new Set<string>());
      if (held !== 'all' && !held.has(id)) continue;
      if (!(await this.#matchesClean(record, text))) drop.add(id);
    }
    if (drop.size === 0) return ids;
    // A copy only when something is dropped: rare (a query matching disabled content).
    const kept = new Set<string>();
    for (const id of ids) if (!drop.has(id)) kept.add(id);
    return kept;
  }

  onChange(listener: () => void): () => void {
    const offInner = this.inner.onChange(listener);
    const offHidden = this.hidden.onChange(listener);
    return () => {
      offInner();
      offHidden();
    };
  }

  async #matchesClean(record: TicketRecord, text: string): Promise<boolean> {
    const hidden = this.hidden.hiddenComments(record.id);
    const as = `${record.updatedAt}|${[...hidden].sort().join(',')}`;
    if (this.#cleanAs.get(record.id) !== as) {
      let body: string;
      try {
        body = await this.texts.read(record.id, hidden);
      } catch {
        return false; // unreadable now: not found rather than found by hidden words
      }
      this.#clean.putRecord(record);
      this.#clean.putText(record.id, body, record.updatedAt);
      this.#cleanAs.set(record.id, as);
    }
    return this.#clean.search(text).has(record.id);
  }
}
