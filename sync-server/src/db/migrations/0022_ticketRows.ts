import type { Migration } from '../Migration.ts';

/**
 * The ticket list's first page on the server (issue 15): a new device paints the first
 * screen of rows from here while the workspace index (megabytes of Yjs) syncs and decodes.
 * One row per ticket of the index doc or an archive shard, written by the search projection
 * from the same read of that doc as `search_tickets` (migration 16), in the same
 * transaction; a sibling table, not more columns there, so a status or assignee change
 * never touches the FTS5 index (its update trigger re-indexes the whole row). `row` is the
 * list's columns as JSON (what the route answers, as is); `status`, `updated_at` and
 * `deleted` are what the page is chosen and ordered by (`updated_at` REAL: a peer may
 * write a fractional millisecond, and the order must be the list's exactly). Starts empty: a workspace's rows
 * appear the next time its index doc changes (the projection re-reads it whole) — until
 * then the route answers no rows and the device waits for the index, as before.
 */
export const m0022TicketRows: Migration = {
  version: 22,
  name: 'ticket_rows',
  up(db) {
    db.exec(`
      CREATE TABLE ticket_rows (
        workspace_id TEXT NOT NULL,
        ticket_id    TEXT NOT NULL,
        status       TEXT NOT NULL,
        updated_at   REAL NOT NULL,
        deleted      INTEGER NOT NULL DEFAULT 0,
        row          TEXT NOT NULL,
        PRIMARY KEY (workspace_id, ticket_id)
      ) STRICT, WITHOUT ROWID;

      CREATE INDEX ticket_rows_recent ON ticket_rows (workspace_id, updated_at DESC, ticket_id);
    `);
  },
};
