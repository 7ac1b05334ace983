import type { Migration } from '../Migration.ts';

/**
 * FTS5's secure-delete off for the ticket search index again (it was turned on by migration
 * 21). With it on, every deleted or updated row is cut out of the segments at once, and the
 * cost of that grows with the doclists it touches: a workspace token is in every row of its
 * workspace, so re-projecting 10,000 tickets took ~34 s and deleting them ~8 s — in one
 * transaction on the event loop, a sync stall of that length (pnpm bench, snapshot section).
 * A purge now merges the index's segments instead (WorkspacePurgeStore.mergeSearchIndex, a
 * slice per event-loop turn), which drops the purged rows' words just the same.
 */
export const m0026SearchSecureDeleteOff: Migration = {
  version: 26,
  name: 'search_secure_delete_off',
  up(db) {
    db.exec(
      `INSERT INTO search_tickets_fts (search_tickets_fts, rank) VALUES ('secure-delete', 0);`,
    );
  },
};
