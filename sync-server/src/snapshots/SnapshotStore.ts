import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import type { LeaseFence } from '../store/DocStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

export const SnapshotTrigger = {
  schedule: 'schedule',
  manual: 'manual',
  preRestore: 'pre_restore',
} as const;
export type SnapshotTrigger = (typeof SnapshotTrigger)[keyof typeof SnapshotTrigger];

export interface SnapshotRecord {
  id: string;
  workspaceId: string;
  createdAt: number;
  seq: number;
  storeGeneration: string;
  trigger: SnapshotTrigger;
  authorUserId: string | null;
  authorName: string | null;
  label: string | null;
  /** Pre-restore snapshots: the snapshot that was restored, and what (`workspace`, `ticket:<id>`). */
  restoreOf: string | null;
  restoreScope: string | null;
  /** Pre-restore snapshots: whether what that restore changed was recorded (undo). */
  restoreRecorded: boolean;
  restoreUndoneAt: number | null;
  docCount: number;
  totalBytes: number;
  addedBytes: number;
}

export interface SnapshotDocRow {
  docId: string;
  hash: string;
  docSeq: number;
}

export interface NewSnapshot {
  id: string;
  workspaceId: string;
  createdAt: number;
  seq: number;
  storeGeneration: string;
  trigger: SnapshotTrigger;
  authorUserId: string | null;
  label: string | null;
  restoreOf: string | null;
  restoreScope: string | null;
}

/** A `snapshots` row joined with its author and restore record (`selectSnapshot`). */
export interface SnapshotRow {
  id: string;
  workspace_id: string;
  created_at: number;
  seq: number;
  store_generation: string;
  trigger: SnapshotTrigger;
  author_user_id: string | null;
  author_name: string | null;
  label: string | null;
  restore_of: string | null;
  restore_scope: string | null;
  restore_recorded: number;
  restore_undone_at: number | null;
  doc_count: number;
  total_bytes: number;
  added_bytes: number;
}

/**
 * A snapshot with its author's name and its restore record. `restore_recorded` is written
 * as a CASE so both engines read 0 or 1 (PostgreSQL's IS NOT NULL is a boolean).
 */
export const selectSnapshot = `
  SELECT s.*, u.display_name AS author_name,
         CASE WHEN r.pre_restore_snapshot_id IS NULL THEN 0 ELSE 1 END AS restore_recorded,
         r.undone_at AS restore_undone_at
    FROM snapshots s
    LEFT JOIN users u ON u.id = s.author_user_id
    LEFT JOIN snapshot_restores r ON r.pre_restore_snapshot_id = s.id`;

/** A document of a capture, with the blob it needs stored (null: the blob is there already). */
export interface PendingSnapshotDoc {
  row: SnapshotDocRow;
  blob: { packed: Uint8Array; size: number } | null;
}

/**
 * The snapshot tables (SQLite migration 0006, PostgreSQL version 9): snapshots, their
 * documents and the content-addressed blobs they share. A capture (Snapshotter) calls these
 * between slices; each method is one short statement or transaction.
 *
 * The writes of a capture, a retention and the start-up cleaning take the job's
 * `snapshots:<workspaceId>` lease fence on a cluster (`fence`): the shared store refuses one
 * older than the highest it has seen for the name (`StaleFenceError`, nothing of that
 * transaction written), so a job paused past its lease's TTL cannot complete, delete or
 * add to snapshots after the holder that took the workspace over. SQLite ignores it.
 */
export interface SnapshotStore {
  begin(snapshot: NewSnapshot, fence?: LeaseFence | null): void;
  hasBlob(hash: string): boolean;
  /** Stores the blob unless present; returns the stored bytes it added (0 when deduplicated). */
  putBlob(hash: string, deflated: Uint8Array, size: number, now: number): number;
  /** The deflated blob, or null. */
  blob(hash: string): Buffer | null;
  addDocs(snapshotId: string, docs: readonly SnapshotDocRow[]): void;
  /**
   * Writes a batch of a capture in ONE transaction (one fsync, not two per document):
   * new blobs, then the rows. A row whose blob was present when the capture looked but
   * is gone now (retention of another workspace sharing it ran in between) is not
   * written; its hash is returned so the caller stores the blob again.
   */
  commitDocs(
    snapshotId: string,
    items: readonly PendingSnapshotDoc[],
    now: number,
    fence?: LeaseFence | null,
  ): { addedBytes: number; missing: SnapshotDocRow[] };
  /** Marks the capture complete and records its document count and sizes. */
  complete(snapshotId: string, addedBytes: number, fence?: LeaseFence | null): void;
  /** Complete snapshots of the workspace, newest first. */
  list(workspaceId: string): SnapshotRecord[];
  get(workspaceId: string, snapshotId: string): SnapshotRecord | null;
  latest(workspaceId: string): SnapshotRecord | null;
  docs(snapshotId: string): SnapshotDocRow[];
  doc(snapshotId: string, docId: string): SnapshotDocRow | null;
  /**
   * Deletes the snapshots and then every blob no snapshot references any more, in one
   * transaction. Returns the number of blobs removed.
   */
  delete(snapshotIds: readonly string[], fence?: LeaseFence | null): number;
  /** The workspaces the schedule looks at, in id order: all but terminated ones. */
  workspacesToSnapshot(): string[];
  /** The workspaces with snapshots left 'capturing' (by a crash, or a capture in progress). */
  incompleteWorkspaces(): string[];
  /**
   * The workspace's snapshots left 'capturing', with their rows; returns how many. Only
   * while nobody captures it (its `snapshots:<workspaceId>` lease held: SnapshotService).
   */
  deleteIncomplete(workspaceId: string, fence?: LeaseFence | null): number;
  /** Workspace deletion: every snapshot of it and the blobs only it used. */
  deleteWorkspace(workspaceId: string): void;
}

/** The SnapshotStore as callers see it once PostgreSQL may be behind it (`SqlSnapshotStore`). */
export type AsyncSnapshotStore = AsyncStore<SnapshotStore>;

/**
 * The snapshot tables on SQLite. Every method is one short synchronous statement or
 * transaction; the capture itself (Snapshotter) calls them between slices.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  readonly #statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  /** Prepared once per SQL text: a capture of 10,000 documents calls some of these per doc. */
  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  begin(snapshot: NewSnapshot): void {
    this.#sql(
      `INSERT INTO snapshots (id, workspace_id, created_at, seq, store_generation, trigger,
                                author_user_id, label, restore_of, restore_scope, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'capturing')`,
    ).run(
      snapshot.id,
      snapshot.workspaceId,
      snapshot.createdAt,
      snapshot.seq,
      snapshot.storeGeneration,
      snapshot.trigger,
      snapshot.authorUserId,
      snapshot.label,
      snapshot.restoreOf,
      snapshot.restoreScope,
    );
  }

  hasBlob(hash: string): boolean {
    return this.#sql('SELECT 1 FROM snapshot_blobs WHERE hash = ?').get(hash) !== undefined;
  }

  /** Stores the blob unless present; returns the stored bytes it added (0 when deduplicated). */
  putBlob(hash: string, deflated: Uint8Array, size: number, now: number): number {
    const result = this.#sql(
      `INSERT INTO snapshot_blobs (hash, data, size, stored_size, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
    ).run(hash, deflated, size, deflated.byteLength, now);
    return result.changes > 0 ? deflated.byteLength : 0;
  }

  /** The deflated blob, or null. */
  blob(hash: string): Buffer | null {
    const row = this.#sql('SELECT data FROM snapshot_blobs WHERE hash = ?').get(hash) as
      { data: Buffer } | undefined;
    return row?.data ?? null;
  }

  addDocs(snapshotId: string, docs: readonly SnapshotDocRow[]): void {
    this.commitDocs(
      snapshotId,
      docs.map((row) => ({ row, blob: null })),
      0,
    );
  }

  /**
   * Writes a batch of a capture in ONE transaction (one fsync, not two per document):
   * new blobs, then the rows. A row whose blob was present when the capture looked but
   * is gone now (retention of another workspace sharing it ran in between) is not
   * written; its hash is returned so the caller stores the blob again.
   */
  commitDocs(
    snapshotId: string,
    items: readonly PendingSnapshotDoc[],
    now: number,
  ): { addedBytes: number; missing: SnapshotDocRow[] } {
    const insert = this.#sql(
      'INSERT INTO snapshot_docs (snapshot_id, doc_id, hash, doc_seq) VALUES (?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      let addedBytes = 0;
      const missing: SnapshotDocRow[] = [];
      for (const { row, blob } of items) {
        if (blob) addedBytes += this.putBlob(row.hash, blob.packed, blob.size, now);
        else if (!this.hasBlob(row.hash)) {
          missing.push(row);
          continue;
        }
        insert.run(snapshotId, row.docId, row.hash, row.docSeq);
      }
      return { addedBytes, missing };
    })();
  }

  /** Marks the capture complete and records its document count and sizes. */
  complete(snapshotId: string, addedBytes: number): void {
    this.#sql(
      `UPDATE snapshots
          SET status = 'complete', added_bytes = ?,
              doc_count = (SELECT COUNT(*) FROM snapshot_docs WHERE snapshot_id = snapshots.id),
              total_bytes = (SELECT COALESCE(SUM(b.size), 0)
                               FROM snapshot_docs d JOIN snapshot_blobs b ON b.hash = d.hash
                              WHERE d.snapshot_id = snapshots.id)
        WHERE id = ?`,
    ).run(addedBytes, snapshotId);
  }

  /** Complete snapshots of the workspace, newest first. */
  list(workspaceId: string): SnapshotRecord[] {
    const rows = this.#sql(
      `${selectSnapshot} WHERE s.workspace_id = ? AND s.status = 'complete'
          ORDER BY s.created_at DESC, s.rowid DESC`,
    ).all(workspaceId) as SnapshotRow[];
    return rows.map(toSnapshotRecord);
  }

  get(workspaceId: string, snapshotId: string): SnapshotRecord | null {
    const row = this.#sql(
      `${selectSnapshot} WHERE s.id = ? AND s.workspace_id = ? AND s.status = 'complete'`,
    ).get(snapshotId, workspaceId) as SnapshotRow | undefined;
    return row ? toSnapshotRecord(row) : null;
  }

  latest(workspaceId: string): SnapshotRecord | null {
    return this.list(workspaceId)[0] ?? null;
  }

  docs(snapshotId: string): SnapshotDocRow[] {
    return this.#sql('SELECT doc_id, hash, doc_seq FROM snapshot_docs WHERE snapshot_id = ?')
      .all(snapshotId)
      .map((row) => {
        const r = row as { doc_id: string; hash: string; doc_seq: number };
        return { docId: r.doc_id, hash: r.hash, docSeq: r.doc_seq };
      });
  }

  doc(snapshotId: string, docId: string): SnapshotDocRow | null {
    const row = this.#sql(
      'SELECT doc_id, hash, doc_seq FROM snapshot_docs WHERE snapshot_id = ? AND doc_id = ?',
    ).get(snapshotId, docId) as { doc_id: string; hash: string; doc_seq: number } | undefined;
    return row ? { docId: row.doc_id, hash: row.hash, docSeq: row.doc_seq } : null;
  }

  /**
   * Deletes the snapshots and then every blob no snapshot references any more, in one
   * transaction. Returns the number of blobs removed.
   */
  delete(snapshotIds: readonly string[]): number {
    if (snapshotIds.length === 0) return 0;
    const deleteSnapshot = this.#sql('DELETE FROM snapshots WHERE id = ?');
    return this.db.transaction(() => {
      const hashes = new Set<string>();
      const hashesOf = this.#sql('SELECT DISTINCT hash FROM snapshot_docs WHERE snapshot_id = ?');
      for (const id of snapshotIds) {
        for (const row of hashesOf.all(id) as { hash: string }[]) hashes.add(row.hash);
        deleteSnapshot.run(id);
      }
      const stillUsed = this.#sql('SELECT 1 FROM snapshot_docs WHERE hash = ? LIMIT 1');
      const deleteBlob = this.#sql('DELETE FROM snapshot_blobs WHERE hash = ?');
      let removed = 0;
      for (const hash of hashes) {
        if (stillUsed.get(hash) === undefined) removed += deleteBlob.run(hash).changes;
      }
      return removed;
    })();
  }

  /** The workspaces the schedule looks at, in id order: all but terminated ones. */
  workspacesToSnapshot(): string[] {
    return (
      this.#sql(
        `SELECT w.id FROM workspaces w
           LEFT JOIN subscriptions s ON s.workspace_id = w.id
          WHERE s.state IS NULL OR s.state <> 'terminated'
          ORDER BY w.id`,
      ).all() as { id: string }[]
    ).map((row) => row.id);
  }

  incompleteWorkspaces(): string[] {
    return (
      this.#sql(
        "SELECT DISTINCT workspace_id FROM snapshots WHERE status = 'capturing' ORDER BY workspace_id",
      ).all() as { workspace_id: string }[]
    ).map((r) => r.workspace_id);
  }

  deleteIncomplete(workspaceId: string): number {
    const ids = (
      this.#sql("SELECT id FROM snapshots WHERE workspace_id = ? AND status = 'capturing'").all(
        workspaceId,
      ) as { id: string }[]
    ).map((r) => r.id);
    this.delete(ids);
    return ids.length;
  }

  /** Workspace deletion: every snapshot of it and the blobs only it used. */
  deleteWorkspace(workspaceId: string): void {
    const ids = (
      this.#sql('SELECT id FROM snapshots WHERE workspace_id = ?').all(workspaceId) as {
        id: string;
      }[]
    ).map((r) => r.id);
    this.delete(ids);
  }
}

export function toSnapshotRecord(row: SnapshotRow): SnapshotRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    createdAt: row.created_at,
    seq: row.seq,
    storeGeneration: row.store_generation,
    trigger: row.trigger,
    authorUserId: row.author_user_id,
    authorName: row.author_name,
    label: row.label,
    restoreOf: row.restore_of,
    restoreScope: row.restore_scope,
    restoreRecorded: row.restore_recorded === 1,
    restoreUndoneAt: row.restore_undone_at,
    docCount: row.doc_count,
    totalBytes: row.total_bytes,
    addedBytes: row.added_bytes,
  };
}
