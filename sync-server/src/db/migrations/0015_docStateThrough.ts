import type { Migration } from '../Migration.ts';

/**
 * The merged state records the last log row it holds (issue 13 #2). A compaction that
 * switches to a new state no longer deletes the log rows it folded in the same
 * transaction — tens of thousands of rows for a large doc, by the compaction rule — but
 * moves `through_log_id`: loads read only the rows after it, and the rows up to it are
 * deleted after the switch, a slice per event-loop turn. Existing states were written by
 * compactions that deleted their rows, so their log holds only later rows: 0.
 */
export const m0015DocStateThrough: Migration = {
  version: 15,
  name: 'doc_states.through_log_id',
  up(db) {
    db.exec('ALTER TABLE doc_states ADD COLUMN through_log_id INTEGER NOT NULL DEFAULT 0');
  },
};
