import type { Migration } from '../Migration.ts';

/**
 * Support-access grants (terms §3, issue 16): an owner or admin lets the platform's operators
 * into one workspace for a stated reason until `expires_at`, read-only unless `access` says
 * `write`; revoking ends it early. A grant is never deleted while its workspace lives: the
 * owner's list of past grants and the audit log refer to it. `expiry_noticed_at` is set
 * once the server has closed sockets and written `support_grant.expired` for a grant that
 * ran out (also after a restart); a revoked grant never gets it.
 */
export const m0020SupportGrants: Migration = {
  version: 20,
  name: 'support_grants',
  up(db) {
    db.exec(`
      CREATE TABLE support_grants (
        id                TEXT PRIMARY KEY,
        workspace_id      TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        granted_by        TEXT NOT NULL REFERENCES users(id),
        reason            TEXT NOT NULL,
        access            TEXT NOT NULL CHECK (access IN ('read', 'write')),
        created_at        INTEGER NOT NULL,
        expires_at        INTEGER NOT NULL,
        revoked_at        INTEGER,
        revoked_by        TEXT REFERENCES users(id),
        expiry_noticed_at INTEGER
      );
      CREATE INDEX support_grants_workspace ON support_grants (workspace_id, created_at);
      -- Active grants and grants whose expiry is still to be noticed: both are small sets.
      CREATE INDEX support_grants_open ON support_grants (expires_at)
        WHERE revoked_at IS NULL AND expiry_noticed_at IS NULL;
    `);
  },
};
