/**
 * Full-text search over what the list's small fields do not hold (descriptions, threads),
 * implemented outside the model (a device-local index, the server's). A `TicketList` asks it
 * for the ids matching the query text and filters by them.
 */
export interface TicketTextSearch {
  /** Ids of tickets whose text matches every term of `text` (title, number, requester, description, comments). */
  search(text: string): Promise<ReadonlySet<string>>;
  /** Fires when what `search` would answer changed (ticket docs indexed/updated), so the list re-queries. */
  onChange(listener: () => void): () => void;
}
