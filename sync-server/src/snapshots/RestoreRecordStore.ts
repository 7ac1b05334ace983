import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import type { LeaseFence } from '../store/DocStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { ChangedItem, ItemPath } from './restoreItems.ts';

/** One restore: keyed by its pre-restore snapshot, which holds the content before it. */
export interface RestoreRecord {
  preRestoreSnapshotId: string;
  workspaceId: string;
  snapshotId: string;
  scope: string;
  restoredAt: number;
  restoredBy: string | null;
  undoneAt: number | null;
  undoneBy: string | null;
}

/** A changed item of one document, as recorded. */
export interface RecordedItem extends ChangedItem {
  docId: string;
}

/** A `snapshot_restore_items` row. */
export interface RestoreItemRow {
  doc_id: string;
  path: string;
  after_digest: string | null;
}

/** Items rows, in their order, grouped by document. */
export function itemsByDoc(rows: readonly RestoreItemRow[]): Map<string, ChangedItem[]> {
  const byDoc = new Map<string, ChangedItem[]>();
  for (const row of rows) {
    let list = byDoc.get(row.doc_id);
    if (!list) byDoc.set(row.doc_id, (list = []));
    list.push({ path: JSON.parse(row.path) as ItemPath, after: row.after_digest });
  }
  return byDoc;
}

/** A `snapshot_restores` row. */
export interface RestoreRecordRow {
  pre_restore_snapshot_id: string;
  workspace_id: string;
  snapshot_id: string;
  scope: string;
  restored_at: number;
  restored_by: string | null;
  undone_at: number | null;
  undone_by: string | null;
}

/**
 * What each restore changed (SQLite migration 0010, PostgreSQL version 9), for its undo. A
 * restore writes one document's items at a time, before it applies that document's change:
 * a crash in between leaves items whose content never took the recorded digest, which the
 * undo then leaves alone — never the other way round.
 */
export interface RestoreRecordStore {
  /**
   * `fence` (here, `addItems` and `markUndone`): the workspace's `snapshots:<workspaceId>`
   * lease on a cluster; refused with `StaleFenceError` once a later holder wrote (SQLite
   * ignores it). A restore records each document's items just before it writes the
   * document, so a restore paused past its lease's TTL is refused before its next document.
   */
  begin(record: Omit<RestoreRecord, 'undoneAt' | 'undoneBy'>, fence?: LeaseFence | null): void;
  /** Records the items of one document (an item recorded again keeps the later digest). */
  addItems(
    preRestoreSnapshotId: string,
    docId: string,
    items: readonly ChangedItem[],
    fence?: LeaseFence | null,
  ): void;
  get(preRestoreSnapshotId: string): RestoreRecord | null;
  /** The recorded items, by document. */
  items(preRestoreSnapshotId: string): Map<string, ChangedItem[]>;
  /** Marks the restore undone; false when it already was (a concurrent undo won). */
  markUndone(
    preRestoreSnapshotId: string,
    userId: string,
    at: number,
    fence?: LeaseFence | null,
  ): boolean;
}

/** The RestoreRecordStore as callers see it once PostgreSQL may be behind it. */
export type AsyncRestoreRecordStore = AsyncStore<RestoreRecordStore>;

/** The restore records on SQLite: short synchronous statements. */
export class SqliteRestoreRecordStore implements RestoreRecordStore {
  readonly #statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  begin(record: Omit<RestoreRecord, 'undoneAt' | 'undoneBy'>): void {
    this.#sql(
      `INSERT INTO snapshot_restores
         (pre_restore_snapshot_id, workspace_id, snapshot_id, scope, restored_at, restored_by)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      record.preRestoreSnapshotId,
      record.workspaceId,
      record.snapshotId,
      record.scope,
      record.restoredAt,
      record.restoredBy,
    );
  }

  addItems(preRestoreSnapshotId: string, docId: string, items: readonly ChangedItem[]): void {
    if (items.length === 0) return;
    const insert = this.#sql(
      `INSERT INTO snapshot_restore_items (pre_restore_snapshot_id, doc_id, path, after_digest)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (pre_restore_snapshot_id, doc_id, path) DO UPDATE SET after_digest = excluded.after_digest`,
    );
    this.db.transaction(() => {
      for (const item of items) {
        insert.run(preRestoreSnapshotId, docId, JSON.stringify(item.path), item.after);
      }
    })();
  }

  get(preRestoreSnapshotId: string): RestoreRecord | null {
    const row = this.#sql('SELECT * FROM snapshot_restores WHERE pre_restore_snapshot_id = ?').get(
      preRestoreSnapshotId,
    ) as RestoreRecordRow | undefined;
    return row ? toRestoreRecord(row) : null;
  }

  /** The recorded items, by document. */
  items(preRestoreSnapshotId: string): Map<string, ChangedItem[]> {
    const rows = this.#sql(
      `SELECT doc_id, path, after_digest FROM snapshot_restore_items
        WHERE pre_restore_snapshot_id = ? ORDER BY doc_id, path`,
    ).all(preRestoreSnapshotId) as RestoreItemRow[];
    return itemsByDoc(rows);
  }

  /** Marks the restore undone; false when it already was (a concurrent undo won). */
  markUndone(preRestoreSnapshotId: string, userId: string, at: number): boolean {
    const result = this.#sql(
      `UPDATE snapshot_restores SET undone_at = ?, undone_by = ?
        WHERE pre_restore_snapshot_id = ? AND undone_at IS NULL`,
    ).run(at, userId, preRestoreSnapshotId);
    return result.changes > 0;
  }
}

export function toRestoreRecord(row: RestoreRecordRow): RestoreRecord {
  return {
    preRestoreSnapshotId: row.pre_restore_snapshot_id,
    workspaceId: row.workspace_id,
    snapshotId: row.snapshot_id,
    scope: row.scope,
    restoredAt: row.restored_at,
    restoredBy: row.restored_by,
    undoneAt: row.undone_at,
    undoneBy: row.undone_by,
  };
}
