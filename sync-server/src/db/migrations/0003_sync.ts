import type { Migration } from '../Migration.ts';

/**
 * Yjs documents (issue 3). A document is its merged `state` plus the updates logged since
 * the last compaction (`doc_updates`). Every persisted update bumps its workspace's change
 * sequence (`workspace_seq`) and stamps the document with it (`docs.last_seq`), so
 * "which documents changed since N" is one range scan of `docs_workspace_seq`.
 */
export const m0003Sync: Migration = {
  version: 3,
  name: 'sync',
  up(db) {
    db.exec(`
      CREATE TABLE docs (
        doc_id       TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        state        BLOB,                      -- merged state; NULL until the first compaction
        last_seq     INTEGER NOT NULL,          -- workspace change sequence of the latest update
        log_count    INTEGER NOT NULL DEFAULT 0, -- rows in doc_updates for this doc
        log_bytes    INTEGER NOT NULL DEFAULT 0,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX docs_workspace_seq ON docs (workspace_id, last_seq);

      -- Append-only between compactions; the rowid orders a document's updates.
      CREATE TABLE doc_updates (
        id     INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL,
        data   BLOB NOT NULL
      ) STRICT;
      CREATE INDEX doc_updates_doc ON doc_updates (doc_id, id);

      CREATE TABLE workspace_seq (
        workspace_id TEXT PRIMARY KEY,
        seq          INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
