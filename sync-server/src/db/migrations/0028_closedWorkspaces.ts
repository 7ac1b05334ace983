import type { Migration } from '../Migration.ts';

/**
 * Workspaces whose purge has begun (DocStore.closeWorkspace): the append transaction refuses
 * updates to them, so nothing recreates a document of a purged workspace. A row is never
 * removed — it holds an id and a time, no customer content — and outlives the purge
 * (WorkspacePurgeStore's KEPT_TABLES), as `purged_workspaces` does. The same table is in
 * the PostgreSQL schema (version 12), where the race it closes is between processes.
 */
export const m0028ClosedWorkspaces: Migration = {
  version: 28,
  name: 'closed_workspaces',
  up(db) {
    db.exec(`
      CREATE TABLE closed_workspaces (
        workspace_id TEXT PRIMARY KEY,
        closed_at    INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
