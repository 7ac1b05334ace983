import type { LeaseFence } from '../store/DocStore.ts';
import { checkSqlFence } from '../store/leaseFences.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  itemsByDoc,
  toRestoreRecord,
  type AsyncRestoreRecordStore,
  type RestoreRecord,
  type RestoreItemRow,
  type RestoreRecordRow,
} from './RestoreRecordStore.ts';
import type { ChangedItem } from './restoreItems.ts';

/**
 * The restore records on the SQL seam: SqliteRestoreRecordStore's statements written once
 * for SQLite and PostgreSQL. Two undos of one restore from two processes: `markUndone`'s
 * conditional update lets one through (PostgreSQL's second UPDATE waits for the first's
 * commit and then finds `undone_at` set).
 */
export class SqlRestoreRecordStore implements AsyncRestoreRecordStore {
  constructor(private readonly db: SqlDatabase) {}

  async begin(
    record: Omit<RestoreRecord, 'undoneAt' | 'undoneBy'>,
    fence?: LeaseFence | null,
  ): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      await this.db.run(
        `INSERT INTO snapshot_restores
         (pre_restore_snapshot_id, workspace_id, snapshot_id, scope, restored_at, restored_by)
       VALUES (?, ?, ?, ?, ?, ?)`,
        [
          record.preRestoreSnapshotId,
          record.workspaceId,
          record.snapshotId,
          record.scope,
          record.restoredAt,
          record.restoredBy,
        ],
      );
    });
  }

  async addItems(
    preRestoreSnapshotId: string,
    docId: string,
    items: readonly ChangedItem[],
    fence?: LeaseFence | null,
  ): Promise<void> {
    if (items.length === 0) return;
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      for (const item of items) {
        await this.db.run(
          `INSERT INTO snapshot_restore_items (pre_restore_snapshot_id, doc_id, path, after_digest)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (pre_restore_snapshot_id, doc_id, path)
           DO UPDATE SET after_digest = excluded.after_digest`,
          [preRestoreSnapshotId, docId, JSON.stringify(item.path), item.after],
        );
      }
    });
  }

  async get(preRestoreSnapshotId: string): Promise<RestoreRecord | null> {
    const row = await this.db.get<RestoreRecordRow>(
      `SELECT pre_restore_snapshot_id, workspace_id, snapshot_id, scope, restored_at,
              restored_by, undone_at, undone_by
         FROM snapshot_restores WHERE pre_restore_snapshot_id = ?`,
      [preRestoreSnapshotId],
    );
    return row ? toRestoreRecord(row) : null;
  }

  async items(preRestoreSnapshotId: string): Promise<Map<string, ChangedItem[]>> {
    const rows = await this.db.all<RestoreItemRow>(
      `SELECT doc_id, path, after_digest FROM snapshot_restore_items
        WHERE pre_restore_snapshot_id = ?`,
      [preRestoreSnapshotId],
    );
    // Ordered here, by code unit as SQLite's BINARY collation does, not by PostgreSQL's locale.
    rows.sort((a, b) => compare(a.doc_id, b.doc_id) || compare(a.path, b.path));
    return itemsByDoc(rows);
  }

  async markUndone(
    preRestoreSnapshotId: string,
    userId: string,
    at: number,
    fence?: LeaseFence | null,
  ): Promise<boolean> {
    return this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      const result = await this.db.run(
        `UPDATE snapshot_restores SET undone_at = ?, undone_by = ?
          WHERE pre_restore_snapshot_id = ? AND undone_at IS NULL`,
        [at, userId, preRestoreSnapshotId],
      );
      return result.changes > 0;
    });
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
