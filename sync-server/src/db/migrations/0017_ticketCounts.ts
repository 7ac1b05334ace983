import type { Migration } from '../Migration.ts';

/**
 * How many ticket documents (`<ws>:ticket:<id>`) each workspace holds, for the plan's ticket
 * limit (SPEC.md, LIMIT-7): checked when a new ticket doc is first written, so it must be a
 * lookup, not a count over 100,000 rows. Kept by triggers on `docs`, so every path that
 * creates or deletes a doc row (the sync pipeline's append, account and workspace deletion,
 * a restore) keeps it right without knowing it exists. An upsert that finds the row takes
 * its UPDATE path and fires no INSERT trigger: only a new doc counts.
 */
export const m0017TicketCounts: Migration = {
  version: 17,
  name: 'workspace_ticket_counts',
  up(db) {
    const isTicket = (row: string) =>
      `substr(${row}.doc_id, length(${row}.workspace_id) + 1, 8) = ':ticket:'`;
    db.exec(`
      CREATE TABLE workspace_ticket_counts (
        workspace_id TEXT PRIMARY KEY,
        tickets      INTEGER NOT NULL
      ) WITHOUT ROWID;

      INSERT INTO workspace_ticket_counts (workspace_id, tickets)
        SELECT workspace_id, COUNT(*) FROM docs WHERE ${isTicket('docs')}
        GROUP BY workspace_id;

      CREATE TRIGGER docs_ticket_added AFTER INSERT ON docs WHEN ${isTicket('NEW')}
      BEGIN
        INSERT INTO workspace_ticket_counts (workspace_id, tickets) VALUES (NEW.workspace_id, 1)
          ON CONFLICT (workspace_id) DO UPDATE SET tickets = tickets + 1;
      END;

      CREATE TRIGGER docs_ticket_removed AFTER DELETE ON docs WHEN ${isTicket('OLD')}
      BEGIN
        UPDATE workspace_ticket_counts SET tickets = tickets - 1
          WHERE workspace_id = OLD.workspace_id;
      END;
    `);
  },
};
