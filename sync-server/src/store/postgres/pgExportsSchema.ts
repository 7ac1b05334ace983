import type { PgMigration } from './pgMigrations.ts';

/** Export jobs on PostgreSQL (SQLite's 0018_workspaceExports): what SqlExportStore keeps. */
export const pgExportsSchema: PgMigration = {
  version: 7,
  name: 'workspace_exports',
  sql: `
    CREATE TABLE workspace_exports (
      id           text PRIMARY KEY,
      workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      requested_by text NOT NULL REFERENCES users (id),
      state        text NOT NULL CHECK (state IN ('queued', 'running', 'ready', 'failed', 'expired')),
      created_at   bigint NOT NULL,
      finished_at  bigint,
      expires_at   bigint,
      done         bigint NOT NULL DEFAULT 0,
      total        bigint NOT NULL DEFAULT 0,
      bytes        bigint,
      error        text
    );
    CREATE INDEX workspace_exports_by_workspace ON workspace_exports (workspace_id, created_at);
    CREATE INDEX workspace_exports_by_state ON workspace_exports (state, expires_at);
  `,
};
