import type { FirstPageRow, TicketSearchHit } from '@desk/protocol';
import type { LeaseFence } from '../store/DocStore.ts';

/** A ticket's small fields as the index doc (or an archive shard) holds them. */
export interface TicketSearchFields {
  readonly ticketId: string;
  readonly number: number | null;
  readonly title: string;
  /** Requester name and e-mail, tags, and the number as words. */
  readonly people: string;
  readonly deleted: boolean;
  /** The list's columns, for the first page (`ticket_rows`, migration 22). */
  readonly listRow: FirstPageRow;
}

/** A workspace whose change sequence is ahead of what the projection holds. */
export interface WorkspaceBehind {
  readonly workspaceId: string;
  /** The workspace's change sequence now. */
  readonly seq: number;
  /** The sequence the projection holds everything up to (0: never projected). */
  readonly cursor: number;
}

/**
 * The server's full-text projection of tickets (issue 15): written by SearchProjector from
 * the documents' stored state, read by the search route. SQLite FTS5 here
 * (SqliteTicketSearchIndex, synchronous like DocStore, which the routes read); both
 * engines on the SQL seam as `AsyncStore<TicketSearchIndex>` (SqlTicketSearchIndex:
 * PostgreSQL's tsvector, issue 19), which the projector writes through. A write and the
 * cursor it advances commit together.
 *
 * The writes take the projector's `search` lease fence on a cluster (`fence`): the shared
 * index refuses one older than the highest it has seen (`StaleFenceError`, nothing of the
 * transaction written), so a holder paused past its lease's TTL cannot land a ticket's
 * older text after the next holder's. SQLite (one process) has no fences and ignores it.
 */
export interface TicketSearchIndex {
  /**
   * Sets the small fields of these tickets (rows that did not change are not rewritten),
   * and the workspace's cursor to `throughSeq` (null: unchanged, more rows follow), in one
   * transaction.
   */
  putFields(
    workspaceId: string,
    rows: readonly TicketSearchFields[],
    throughSeq: number | null,
    fence?: LeaseFence | null,
  ): void;
  /** Sets one ticket's description-and-thread text and the cursor, in one transaction. */
  putBody(
    workspaceId: string,
    ticketId: string,
    body: string,
    throughSeq: number,
    fence?: LeaseFence | null,
  ): void;
  /** Moves the cursor alone (a document that holds nothing to search). */
  advance(workspaceId: string, throughSeq: number, fence?: LeaseFence | null): void;
  /**
   * Workspaces with changes not projected yet, at most `limit`, and workspaces whose
   * sequence went backwards or away (deleted; restored from an older backup): the caller
   * forgets those and projects them again from 0.
   */
  behind(limit: number): { behind: WorkspaceBehind[]; reset: string[] };
  /** Live tickets of the workspace matching every word of `query`, best first. */
  search(workspaceId: string, query: string, limit: number): TicketSearchHit[];
  /**
   * The first `limit` rows of the default list (live tickets, newest change first, ties by
   * id): only tickets certainly in the hot index — not solved or closed, or changed at or
   * after `hotSince` — so no row is shown that the index, once it arrives, does not hold.
   */
  firstPage(workspaceId: string, limit: number, hotSince: number): FirstPageRow[];
  /**
   * Workspaces whose tickets are projected for search but that have no list rows: projected
   * before `ticket_rows` existed (migration 22), so their first page stays empty until
   * their index doc is read again (SearchProjector fills them in the background).
   */
  withoutListRows(): string[];
  /** Forgets the workspace's rows and cursor (workspace deleted, or projected again). */
  deleteWorkspace(workspaceId: string, fence?: LeaseFence | null): void;
}
