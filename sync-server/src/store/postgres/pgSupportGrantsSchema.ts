import type { PgMigration } from './pgMigrations.ts';

/**
 * Support grants on PostgreSQL (SQLite's 0020_supportGrants): what WorkspaceAccessStore reads
 * to let an operator into a workspace its owner or an admin opened for support (terms §3).
 */
export const pgSupportGrantsSchema: PgMigration = {
  version: 4,
  name: 'support_grants',
  sql: `
    CREATE TABLE support_grants (
      id                text PRIMARY KEY,
      workspace_id      text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      granted_by        text NOT NULL REFERENCES users (id),
      reason            text NOT NULL,
      access            text NOT NULL CHECK (access IN ('read', 'write')),
      created_at        bigint NOT NULL,
      expires_at        bigint NOT NULL,
      revoked_at        bigint,
      revoked_by        text REFERENCES users (id),
      expiry_noticed_at bigint
    );
    CREATE INDEX support_grants_workspace ON support_grants (workspace_id, created_at);
    CREATE INDEX support_grants_open ON support_grants (expires_at)
      WHERE revoked_at IS NULL AND expiry_noticed_at IS NULL;
  `,
};
