import type { PgMigration } from './pgMigrations.ts';

/**
 * The server's ticket search projection on PostgreSQL (SQLite's 0016_ticketSearch and
 * 0022_ticketRows): what SqlTicketSearchIndex keeps. Same tables and columns, and in place
 * of the FTS5 table a `document` tsvector kept by PostgreSQL itself (a generated column)
 * under a GIN index. It is built from `terms_*` columns the store writes: the text's words
 * as FTS5's unicode61 tokenizer cuts them (runs of letters and digits, lower case, no
 * diacritics), cut in JavaScript (`searchTerms`) so that both engines find the same words
 * — PostgreSQL's own parser keeps `ana@example.com` and `floor-3` whole — and with the
 * 'simple' configuration (no stemming, no stop words), as FTS5 has none. The workspace's
 * `ws_token` is one more word, of weight D (ranked 0): a query names it, so the GIN index
 * intersects the workspace's postings instead of every workspace's, as FTS5 does. `id`
 * stands in for SQLite's rowid: ranking reads the newest matches by it.
 */
export const pgSearchSchema: PgMigration = {
  version: 10,
  name: 'ticket_search',
  sql: `
    CREATE TABLE search_tickets (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      workspace_id text NOT NULL,
      ticket_id    text NOT NULL,
      ws_token     text NOT NULL,
      number       bigint,
      title        text NOT NULL DEFAULT '',
      people       text NOT NULL DEFAULT '',
      body         text NOT NULL DEFAULT '',
      deleted      integer NOT NULL DEFAULT 0,
      terms_title  text NOT NULL DEFAULT '',
      terms_people text NOT NULL DEFAULT '',
      terms_body   text NOT NULL DEFAULT '',
      document     tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', ws_token), 'D') ||
        setweight(to_tsvector('simple', terms_title), 'A') ||
        setweight(to_tsvector('simple', terms_people), 'B') ||
        setweight(to_tsvector('simple', terms_body), 'C')
      ) STORED,
      UNIQUE (workspace_id, ticket_id)
    );
    CREATE INDEX search_tickets_document ON search_tickets USING GIN (document);

    CREATE TABLE search_cursors (
      workspace_id text PRIMARY KEY,
      seq          bigint NOT NULL
    );

    CREATE TABLE ticket_rows (
      workspace_id text NOT NULL,
      ticket_id    text NOT NULL,
      status       text NOT NULL,
      updated_at   double precision NOT NULL,
      deleted      integer NOT NULL DEFAULT 0,
      row          text NOT NULL,
      PRIMARY KEY (workspace_id, ticket_id)
    );
    CREATE INDEX ticket_rows_recent ON ticket_rows (workspace_id, updated_at DESC, ticket_id);
  `,
};
