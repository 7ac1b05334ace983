import type { PgMigration } from './pgMigrations.ts';

/**
 * Workspace snapshots on PostgreSQL (SQLite's 0006_snapshots and 0010_snapshotRestores): what
 * SqlSnapshotStore and SqlRestoreRecordStore keep. Same names, columns and constraints.
 * One addition: `snapshots.rowid`, an identity column standing in for SQLite's rowid, so a
 * millisecond's snapshots list in the order they were begun on both engines (the store's
 * `ORDER BY created_at DESC, rowid DESC` is written once; ids are random).
 */
export const pgSnapshotsSchema: PgMigration = {
  version: 9,
  name: 'snapshots',
  sql: `
    CREATE TABLE snapshots (
      id               text PRIMARY KEY,
      rowid            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      workspace_id     text NOT NULL REFERENCES workspaces (id),
      created_at       bigint NOT NULL,
      seq              bigint NOT NULL,
      store_generation text NOT NULL,
      trigger          text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'pre_restore')),
      author_user_id   text REFERENCES users (id),
      label            text,
      restore_of       text,
      restore_scope    text,
      status           text NOT NULL CHECK (status IN ('capturing', 'complete')),
      doc_count        bigint NOT NULL DEFAULT 0,
      total_bytes      bigint NOT NULL DEFAULT 0,
      added_bytes      bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX snapshots_workspace ON snapshots (workspace_id, created_at);

    CREATE TABLE snapshot_blobs (
      hash        text PRIMARY KEY,
      data        bytea NOT NULL,
      size        bigint NOT NULL,
      stored_size bigint NOT NULL,
      created_at  bigint NOT NULL
    );

    CREATE TABLE snapshot_docs (
      snapshot_id text NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
      doc_id      text NOT NULL,
      hash        text NOT NULL REFERENCES snapshot_blobs (hash),
      doc_seq     bigint NOT NULL,
      PRIMARY KEY (snapshot_id, doc_id)
    );
    CREATE INDEX snapshot_docs_hash ON snapshot_docs (hash);

    CREATE TABLE snapshot_restores (
      pre_restore_snapshot_id text PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,
      workspace_id            text NOT NULL,
      snapshot_id             text NOT NULL,
      scope                   text NOT NULL,
      restored_at             bigint NOT NULL,
      restored_by             text,
      undone_at               bigint,
      undone_by               text
    );

    CREATE TABLE snapshot_restore_items (
      pre_restore_snapshot_id text NOT NULL
        REFERENCES snapshot_restores (pre_restore_snapshot_id) ON DELETE CASCADE,
      doc_id                  text NOT NULL,
      path                    text NOT NULL,
      after_digest            text,
      PRIMARY KEY (pre_restore_snapshot_id, doc_id, path)
    );
  `,
};
