import { compileQuery, type TicketQuery, type TicketRecord } from '@desk/model';

/** The list as a server hit is placed against it: its rows, its query, who is looking. */
export interface ListedRows {
  readonly rows: readonly TicketRecord[];
  readonly query: TicketQuery;
  readonly me: string;
}

/**
 * Whether a ticket the server's full-text search found belongs beside the list ("also
 * found on the server"): not a row of it now, and — when its record is loaded here (its
 * text not yet read by the device) — passing every filter but the text, as it would once
 * read. A ticket in no loaded index or shard (`null`) always does: the device cannot filter
 * what it does not have. A row already shown is not repeated.
 */
export function addsToList(
  list: ListedRows,
  ticketId: string,
  record: TicketRecord | null,
): boolean {
  if (record === null) return true;
  if (list.rows.some((row) => row.id === ticketId)) return false;
  return compileQuery({ ...list.query, text: '' }, list.me).matches(record);
}
