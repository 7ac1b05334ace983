import type { Migration } from '../Migration.ts';

/**
 * A per-workspace count of moderation decisions, raised in the transaction of each one
 * (ModerationStore.decide). A cluster process compares it with what its disabled sets were
 * read at (`DisabledSets.checkVersions`), so a decision whose `moderationChanged` never left
 * the deciding process (it died between its commit and its publish) still reaches every
 * other process within a check. The same table is in the PostgreSQL schema (version 15).
 */
export const m0030ModerationVersions: Migration = {
  version: 30,
  name: 'moderation_versions',
  up(db) {
    db.exec(`
      CREATE TABLE moderation_versions (
        workspace_id TEXT PRIMARY KEY,
        version      INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
