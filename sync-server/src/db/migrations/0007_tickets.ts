import type { Migration } from '../Migration.ts';

/**
 * Desk support tables (the desk's content itself lives in Yjs documents):
 * - ticket_counters: the last ticket number handed out per workspace. Numbers are reserved
 *   in blocks (see sync-server/src/tickets), so offline clients never collide.
 * - blobs: content-addressed files under DATA_DIR/blobs (one row per distinct SHA-256).
 * - workspace_blobs: which workspace uploaded which blob — the authorization index; a
 *   blob is served only to members of a workspace that holds a row for it.
 */
export const m0007Tickets: Migration = {
  version: 7,
  name: 'tickets',
  up(db) {
    db.exec(`
      CREATE TABLE ticket_counters (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
        last_number  INTEGER NOT NULL CHECK (last_number >= 0)
      ) STRICT;

      CREATE TABLE blobs (
        sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        size       INTEGER NOT NULL CHECK (size >= 0),
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE workspace_blobs (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        sha256       TEXT NOT NULL REFERENCES blobs(sha256),
        name         TEXT NOT NULL,
        type         TEXT NOT NULL,
        size         INTEGER NOT NULL,
        uploaded_by  TEXT NOT NULL REFERENCES users(id),
        uploaded_at  INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, sha256)
      ) STRICT;
      CREATE INDEX workspace_blobs_sha ON workspace_blobs(sha256);
    `);
  },
};
