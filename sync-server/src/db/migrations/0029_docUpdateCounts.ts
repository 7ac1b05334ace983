import type { Migration } from '../Migration.ts';

/**
 * How many updates each document has ever had stored (`docs.updates_stored`), raised by the
 * append transaction and never lowered by a compaction; each append returns its update's
 * number in its doc (`AppendResult.stored`), and a load the count (`StoredDoc.updatesStored`).
 * Its reader is the lagging-document watch of a cluster, on PostgreSQL (version 14): it is
 * kept here too so both stores answer the same DocStore contract. Existing docs start at 0.
 */
export const m0029DocUpdateCounts: Migration = {
  version: 29,
  name: 'doc_update_counts',
  up(db) {
    db.exec('ALTER TABLE docs ADD COLUMN updates_stored INTEGER NOT NULL DEFAULT 0');
  },
};
