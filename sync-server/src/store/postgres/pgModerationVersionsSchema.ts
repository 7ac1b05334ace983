import type { PgMigration } from './pgMigrations.ts';

/**
 * `moderation_versions` (SQLite migration 30): a per-workspace count of moderation
 * decisions, raised in each decision's transaction (`SqlModerationStore.decide`, under the
 * case row's lock). Every cluster process reads the counts of the workspaces whose disabled
 * sets it keeps, one query every few seconds (`DisabledSets.checkVersions`), and reads a set
 * again when its count moved: a decision whose `moderationChanged` was never published —
 * the deciding process died after its commit — still reaches the other processes.
 */
export const pgModerationVersionsSchema: PgMigration = {
  version: 15,
  name: 'moderation_versions',
  sql: `
    CREATE TABLE moderation_versions (
      workspace_id text PRIMARY KEY,
      version      bigint NOT NULL
    );
  `,
};
