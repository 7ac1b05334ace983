import type { Migration } from '../Migration.ts';

/**
 * Reporting and disabling access (terms §4, issue 17). One case per item and workspace
 * (`item_key`, see `itemKeyOf`): members' reports join it, or the operator opens it from an
 * outside notice (`source`, `reference`). Decisions (disable, re-enable) are kept in order;
 * `disabled_items` holds what is disabled now — the lookup the sync engine, the blob routes
 * and every server-side view make, so it is keyed by workspace and item. Customer content is
 * never copied here: an item is a reference; the stored documents and files are untouched.
 * Every table carries `workspace_id`, so a workspace purge deletes its rows.
 */
export const m0024Moderation: Migration = {
  version: 24,
  name: 'moderation',
  up(db) {
    db.exec(`
      CREATE TABLE moderation_cases (
        id           TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        item_key     TEXT NOT NULL,
        item         TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('report', 'ip_notice', 'authority_notice')),
        reference    TEXT,
        text         TEXT NOT NULL DEFAULT '',
        opened_by    TEXT,
        opened_at    INTEGER NOT NULL,
        status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'disabled', 'enabled')),
        reason       TEXT,
        UNIQUE (workspace_id, item_key)
      );
      CREATE INDEX moderation_cases_open ON moderation_cases (status, opened_at);
      CREATE TABLE moderation_reports (
        id           TEXT PRIMARY KEY,
        case_id      TEXT NOT NULL REFERENCES moderation_cases(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL,
        reported_by  TEXT NOT NULL,
        category     TEXT NOT NULL,
        text         TEXT NOT NULL,
        created_at   INTEGER NOT NULL
      );
      CREATE INDEX moderation_reports_workspace ON moderation_reports (workspace_id, created_at);
      CREATE INDEX moderation_reports_case ON moderation_reports (case_id);
      CREATE TABLE moderation_decisions (
        id           TEXT PRIMARY KEY,
        case_id      TEXT NOT NULL REFERENCES moderation_cases(id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL,
        action       TEXT NOT NULL CHECK (action IN ('disabled', 'enabled')),
        reason       TEXT NOT NULL,
        decided_by   TEXT NOT NULL,
        decided_at   INTEGER NOT NULL
      );
      CREATE INDEX moderation_decisions_workspace ON moderation_decisions (workspace_id, decided_at);
      CREATE INDEX moderation_decisions_case ON moderation_decisions (case_id);
      CREATE TABLE disabled_items (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        item_key     TEXT NOT NULL,
        case_id      TEXT NOT NULL REFERENCES moderation_cases(id) ON DELETE CASCADE,
        reason       TEXT NOT NULL,
        disabled_at  INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, item_key)
      );
    `);
  },
};
