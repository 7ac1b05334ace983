import type { Migration } from '../Migration.ts';

/**
 * The server's full-text projection of tickets (issue 15), for the tickets a device does
 * not hold. `search_tickets` holds one row per ticket with the text it is found by — small
 * fields from the index doc (title; requester, tags and number as `people`), the ticket
 * doc's description and thread as `body` — and `search_tickets_fts` is its FTS5 index
 * (external content, kept in step by triggers, so `snippet()` reads the row). `ws_token`
 * is the workspace id hex-encoded into one token, `w…` for a live ticket and `x…` for one
 * in the trash: a query names its workspace and liveness inside the MATCH, so FTS5
 * intersects postings instead of matching every workspace's tickets. Prefix indexes for
 * 2 and 3 characters: the last word of a query is a prefix, typed as it grows.
 * `search_cursors` is how far each workspace's change sequence (`workspace_seq`) has been
 * projected: the projection resumes there after a restart, and a workspace never seen
 * starts at 0 (the backfill).
 */
export const m0016TicketSearch: Migration = {
  version: 16,
  name: 'ticket_search',
  up(db) {
    db.exec(`
      CREATE TABLE search_tickets (
        id           INTEGER PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        ticket_id    TEXT NOT NULL,
        ws_token     TEXT NOT NULL,
        number       INTEGER,
        title        TEXT NOT NULL DEFAULT '',
        people       TEXT NOT NULL DEFAULT '',
        body         TEXT NOT NULL DEFAULT '',
        deleted      INTEGER NOT NULL DEFAULT 0,
        UNIQUE (workspace_id, ticket_id)
      ) STRICT;

      CREATE VIRTUAL TABLE search_tickets_fts USING fts5(
        ws_token, title, people, body,
        content = 'search_tickets', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      CREATE TRIGGER search_tickets_ai AFTER INSERT ON search_tickets BEGIN
        INSERT INTO search_tickets_fts (rowid, ws_token, title, people, body)
        VALUES (new.id, new.ws_token, new.title, new.people, new.body);
      END;
      CREATE TRIGGER search_tickets_ad AFTER DELETE ON search_tickets BEGIN
        INSERT INTO search_tickets_fts (search_tickets_fts, rowid, ws_token, title, people, body)
        VALUES ('delete', old.id, old.ws_token, old.title, old.people, old.body);
      END;
      CREATE TRIGGER search_tickets_au AFTER UPDATE OF ws_token, title, people, body ON search_tickets BEGIN
        INSERT INTO search_tickets_fts (search_tickets_fts, rowid, ws_token, title, people, body)
        VALUES ('delete', old.id, old.ws_token, old.title, old.people, old.body);
        INSERT INTO search_tickets_fts (rowid, ws_token, title, people, body)
        VALUES (new.id, new.ws_token, new.title, new.people, new.body);
      END;

      CREATE TABLE search_cursors (
        workspace_id TEXT PRIMARY KEY,
        seq          INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
