import type { Migration } from '../Migration.ts';

/**
 * Workspace deletion (issue 16). `workspace_deletions`: a workspace its owner asked to delete
 * — closed at once, purged at `purge_after` unless cancelled (the row is then removed; the
 * audit log keeps the story). `workspace_purge_warnings`: the warning emails already sent
 * before a scheduled purge (keyed by the purge time, so a workspace reactivated and later
 * terminated again is warned again). `purged_workspaces`: the operator's record that a
 * workspace existed and was deleted for good — ids, reason and times, no customer content.
 * And FTS5's secure-delete for the ticket search index (below).
 */
export const m0021WorkspaceDeletions: Migration = {
  version: 21,
  name: 'workspace_deletions',
  up(db) {
    db.exec(`
      CREATE TABLE workspace_deletions (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
        reason       TEXT NOT NULL CHECK (reason IN ('owner_request', 'subscription_terminated')),
        requested_by TEXT REFERENCES users(id),
        requested_at INTEGER NOT NULL,
        purge_after  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX workspace_deletions_due ON workspace_deletions (purge_after);

      CREATE TABLE workspace_purge_warnings (
        workspace_id TEXT NOT NULL,
        purge_after  INTEGER NOT NULL,
        days_before  INTEGER NOT NULL,
        sent_at      INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, purge_after, days_before)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE purged_workspaces (
        workspace_id TEXT PRIMARY KEY,
        customer_id  TEXT NOT NULL,
        reason       TEXT NOT NULL,
        requested_at INTEGER,
        purged_at    INTEGER NOT NULL
      ) STRICT;

      -- Deleted tickets leave the full-text index's segments at once instead of at the next
      -- merge, so a purged workspace's words are not in the file a backup copies.
      INSERT INTO search_tickets_fts (search_tickets_fts, rank) VALUES ('secure-delete', 1);
    `);
  },
};
