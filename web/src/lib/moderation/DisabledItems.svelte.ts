/* eslint-disable svelte/prefer-svelte-reactivity -- the Map of reasons is published whole by
   replacing a $state.raw, never mutated in place. */
import { docIds } from '@desk/model';
import {
  blobItemKey,
  docItemKey,
  entryItemKey,
  parseDocId,
  parseItemKey,
  type DisabledItemEntry,
} from '@desk/protocol';

/** Where the list is kept between starts (IndexedDB in the app; a map in tests). */
export interface DisabledItemsKeeper {
  read(): Promise<DisabledItemEntry[] | null>;
  write(items: readonly DisabledItemEntry[]): Promise<void>;
}

/**
 * The workspace's list of disabled content (terms §4, issue 17) as this app knows it: every
 * view asks it before showing a ticket, comment, message, notice or attachment, and shows
 * "Access to this content has been disabled — <reason>" instead of what it disabled.
 *
 * It follows the server: the kept list first (so an offline reload hides at once), then the
 * server's answer on open, then each list the server pushes live. Every list that came from
 * the server is kept. The server is the backstop (it stops serving a disabled ticket or
 * notice and its files), but an inner item (a comment, a message) stays in the CRDT document
 * every replica holds: hiding it is this list's job.
 */
export class DisabledItems {
  /** Reasons by item key (`itemKeyOf`). */
  #reasons = $state.raw<ReadonlyMap<string, string>>(new Map());
  /** The tickets of this workspace named by the list: whole ones, and comments by ticket. */
  #tickets: TicketsNamed = { whole: new Set(), comments: new Map() };
  readonly #listeners = new Set<() => void>();
  items = $state.raw<readonly DisabledItemEntry[]>([]);
  #workspaceId = '';
  #keeper: DisabledItemsKeeper | null = null;
  /** Bumped by every list from the server: a slower read of the kept list never wins. */
  #heard = 0;
  #stopped = false;

  /**
   * Starts following a workspace: shows the kept list, then asks the server. Resolves once the
   * kept list is shown (the desk waits for it before painting content); the server's answer
   * applies when it comes.
   */
  async start(
    workspaceId: string,
    keeper: DisabledItemsKeeper,
    fetchList: () => Promise<readonly DisabledItemEntry[]>,
  ): Promise<void> {
    this.#workspaceId = workspaceId;
    this.#keeper = keeper;
    this.#fetch = fetchList;
    const heard = this.#heard;
    const kept = await keeper.read().catch(() => null);
    if (kept && heard === this.#heard && !this.#stopped) this.#show(kept);
    void this.refresh();
  }

  #fetch: (() => Promise<readonly DisabledItemEntry[]>) | null = null;

  /** Asks the server for the list now; unreachable or refused, the known list stays. */
  async refresh(): Promise<void> {
    const fetchList = this.#fetch;
    if (!fetchList || this.#stopped) return;
    const asked = ++this.#asks;
    try {
      const items = await fetchList();
      // Two questions in flight: the answer to the latest one rules.
      if (asked === this.#asks) this.apply(items);
    } catch {
      // Offline or refused: what is known stays hidden.
    }
  }

  #asks = 0;

  /** The server's whole list (its answer or a live push): shown and kept. */
  apply(items: readonly DisabledItemEntry[]): void {
    if (this.#stopped) return;
    this.#heard += 1;
    this.#show(items);
    void this.#keeper?.write(this.items).catch(() => undefined);
  }

  /**
   * The server refused a whole document as disabled (`content_disabled`, with the reason in
   * its message) before this list knew: hidden at once, and the list asked again.
   */
  refusedDoc(docId: string, reason: string): void {
    const key = docItemKey(docId);
    if (this.#stopped || this.#reasons.has(key)) return;
    const reasons = new Map(this.#reasons);
    reasons.set(key, reason);
    this.#publish(reasons);
    void this.refresh();
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Why an item is disabled, or null when it is not. */
  reasonOf(itemKey: string): string | null {
    return this.#reasons.get(itemKey) ?? null;
  }

  ticket(ticketId: string): string | null {
    return this.#doc(this.#workspaceId && docIds.ticket(this.#workspaceId, ticketId));
  }

  notice(noticeId: string): string | null {
    return this.#doc(this.#workspaceId && docIds.notice(this.#workspaceId, noticeId));
  }

  /** A comment or internal note of a ticket. */
  comment(ticketId: string, commentId: string): string | null {
    if (!this.#workspaceId) return null;
    return this.reasonOf(entryItemKey(docIds.ticket(this.#workspaceId, ticketId), commentId));
  }

  /** A message of a channel. */
  message(channelId: string, messageId: string): string | null {
    if (!this.#workspaceId) return null;
    return this.reasonOf(entryItemKey(docIds.channel(this.#workspaceId, channelId), messageId));
  }

  /** An attachment, by its file's SHA-256 (wherever it is attached). */
  attachment(sha256: string): string | null {
    return this.reasonOf(blobItemKey(sha256));
  }

  get size(): number {
    return this.#reasons.size;
  }

  #doc(docId: string): string | null {
    return docId ? this.reasonOf(docItemKey(docId)) : null;
  }

  /**
   * Tickets whose whole content is disabled: the list shows them as the marker, so a search
   * text must not find them by their hidden words (only by number).
   */
  get withheldTickets(): ReadonlySet<string> {
    return this.#tickets.whole;
  }

  /** Ids of a ticket's disabled comments and notes (empty when none). */
  hiddenComments(ticketId: string): ReadonlySet<string> {
    return this.#tickets.comments.get(ticketId) ?? NO_COMMENTS;
  }

  /** Tickets with at least one disabled comment or note. */
  ticketsWithHiddenComments(): Iterable<string> {
    return this.#tickets.comments.keys();
  }

  /** Fires after the list changed (search re-asks, the ticket list re-matches). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #show(items: readonly DisabledItemEntry[]): void {
    this.items = items;
    this.#publish(new Map(items.map((item) => [item.itemKey, item.reason])));
  }

  #publish(reasons: ReadonlyMap<string, string>): void {
    this.#reasons = reasons;
    this.#tickets = ticketsNamed(reasons.keys(), this.#workspaceId);
    for (const listener of this.#listeners) listener();
  }
}

interface TicketsNamed {
  readonly whole: ReadonlySet<string>;
  readonly comments: ReadonlyMap<string, ReadonlySet<string>>;
}

const NO_COMMENTS: ReadonlySet<string> = new Set();

/** The workspace's tickets an item-key list names, whole or by comment. */
function ticketsNamed(keys: Iterable<string>, workspaceId: string): TicketsNamed {
  const whole = new Set<string>();
  const comments = new Map<string, Set<string>>();
  for (const key of keys) {
    const target = parseItemKey(key);
    if (!target || target.scope === 'blob') continue;
    const doc = parseDocId(target.docId);
    if (doc?.workspaceId !== workspaceId || doc.kind !== 'ticket' || !doc.id) continue;
    if (target.scope === 'doc') whole.add(doc.id);
    else {
      const ids = comments.get(doc.id) ?? new Set<string>();
      ids.add(target.itemId);
      comments.set(doc.id, ids);
    }
  }
  return { whole, comments };
}
