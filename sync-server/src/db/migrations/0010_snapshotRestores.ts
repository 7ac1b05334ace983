import type { Migration } from '../Migration.ts';

/**
 * What each snapshot restore changed, so it can be undone as the inverse forward change
 * (issue 18): per item (a root, an entry of a root map, or a field of an entry; see
 * snapshots/restoreItems.ts) a digest of its content right after the restore. The undo
 * puts back an item only where the content still has that digest — where someone changed
 * it since, their later edit stays. The content before the restore is the pre-restore
 * snapshot's, so a record lives and dies with that snapshot.
 */
export const m0010SnapshotRestores: Migration = {
  version: 10,
  name: 'snapshot_restores',
  up(db) {
    db.exec(`
      CREATE TABLE snapshot_restores (
        pre_restore_snapshot_id TEXT PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
        workspace_id            TEXT NOT NULL,
        -- The snapshot that was restored (retention may have deleted it since).
        snapshot_id             TEXT NOT NULL,
        scope                   TEXT NOT NULL,
        restored_at             INTEGER NOT NULL,
        restored_by             TEXT,
        undone_at               INTEGER,
        undone_by               TEXT
      ) STRICT;

      CREATE TABLE snapshot_restore_items (
        pre_restore_snapshot_id TEXT NOT NULL
          REFERENCES snapshot_restores(pre_restore_snapshot_id) ON DELETE CASCADE,
        doc_id                  TEXT NOT NULL,
        -- JSON array: [root] | [root, key] | [root, key, field].
        path                    TEXT NOT NULL,
        -- SHA-256 (base64url) of the item's canonical content right after the restore;
        -- NULL when the restore removed it.
        after_digest            TEXT,
        PRIMARY KEY (pre_restore_snapshot_id, doc_id, path)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
