import type { Migration } from '../Migration.ts';

/**
 * Workspace exports (issue 16): one row per export job. A job that is `queued` or `running`
 * when the server stops is picked up again at start-up (its finished parts are kept on disk
 * under DATA_DIR/exports/<id>/, so it continues where it was); `ready` ones are downloadable
 * by `requested_by` only until `expires_at`, when the file is deleted and the row becomes
 * `expired` (kept, so the Settings page and the audit log can say what happened).
 */
export const m0018WorkspaceExports: Migration = {
  version: 18,
  name: 'workspace_exports',
  up(db) {
    db.exec(`
      CREATE TABLE workspace_exports (
        id            TEXT PRIMARY KEY,
        workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        requested_by  TEXT NOT NULL REFERENCES users(id),
        state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'ready', 'failed', 'expired')),
        created_at    INTEGER NOT NULL,
        finished_at   INTEGER,
        expires_at    INTEGER,
        done          INTEGER NOT NULL DEFAULT 0,
        total         INTEGER NOT NULL DEFAULT 0,
        bytes         INTEGER,
        error         TEXT
      ) STRICT;
      CREATE INDEX workspace_exports_by_workspace ON workspace_exports (workspace_id, created_at);
      CREATE INDEX workspace_exports_by_state ON workspace_exports (state, expires_at);
    `);
  },
};
