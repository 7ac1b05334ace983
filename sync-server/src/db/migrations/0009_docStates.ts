import type { Migration } from '../Migration.ts';

/**
 * The merged state of a document moves out of `docs` into its own table (issue 13). Every
 * append updates the document's `docs` row (last_seq, log_count, log_bytes, updated_at);
 * with the state in that row, SQLite rewrote the whole record, overflow pages included, so
 * one field edit of a 26 MB index wrote 26 MB. `doc_states` is written only by compaction,
 * and `docs` is a few dozen bytes a row.
 *
 * Existing states are copied over, then the column is dropped (SQLite rewrites `docs` once,
 * here). Runs in migrate()'s transaction: an interrupted upgrade leaves the old schema.
 */
export const m0009DocStates: Migration = {
  version: 9,
  name: 'doc_states',
  up(db) {
    db.exec(`
      CREATE TABLE doc_states (
        doc_id TEXT PRIMARY KEY REFERENCES docs (doc_id),
        state  BLOB NOT NULL  -- merged state through the compacted log rows
      ) STRICT;

      INSERT INTO doc_states (doc_id, state)
        SELECT doc_id, state FROM docs WHERE state IS NOT NULL;

      ALTER TABLE docs DROP COLUMN state;
    `);
  },
};
