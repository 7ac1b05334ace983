import type { Migration } from '../Migration.ts';

/**
 * Workspace snapshots (terms §6): a snapshot lists every document of a workspace at one
 * change sequence; the documents' states are content-addressed blobs shared between
 * snapshots, so a document unchanged since the last snapshot costs one row, no bytes.
 */
export const m0006Snapshots: Migration = {
  version: 6,
  name: 'snapshots',
  up(db) {
    db.exec(`
      CREATE TABLE snapshots (
        id               TEXT PRIMARY KEY,
        workspace_id     TEXT NOT NULL REFERENCES workspaces(id),
        created_at       INTEGER NOT NULL,
        -- The workspace change sequence every document was captured at, and the store
        -- generation it belongs to (sequences restart when the database is restored).
        seq              INTEGER NOT NULL,
        store_generation TEXT NOT NULL,
        trigger          TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'pre_restore')),
        author_user_id   TEXT REFERENCES users(id),
        label            TEXT,
        -- For a pre-restore snapshot: what was about to be restored (undo points here).
        restore_of       TEXT,
        restore_scope    TEXT,
        -- Rows of snapshot_docs are written first; a crash leaves 'capturing', never listed.
        status           TEXT NOT NULL CHECK (status IN ('capturing', 'complete')),
        doc_count        INTEGER NOT NULL DEFAULT 0,
        -- Uncompressed bytes of every document state it references, and the stored
        -- (compressed) bytes of the blobs this snapshot was the first to need.
        total_bytes      INTEGER NOT NULL DEFAULT 0,
        added_bytes      INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX snapshots_workspace ON snapshots(workspace_id, created_at);

      -- Document states, keyed by the SHA-256 of the uncompressed state, stored deflated.
      CREATE TABLE snapshot_blobs (
        hash        TEXT PRIMARY KEY,
        data        BLOB NOT NULL,
        size        INTEGER NOT NULL,
        stored_size INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE snapshot_docs (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        doc_id      TEXT NOT NULL,
        hash        TEXT NOT NULL REFERENCES snapshot_blobs(hash),
        -- The document's own last change sequence when captured: a later snapshot reuses
        -- the hash without reading the document when it has not changed since.
        doc_seq     INTEGER NOT NULL,
        PRIMARY KEY (snapshot_id, doc_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX snapshot_docs_hash ON snapshot_docs(hash);
    `);
  },
};
