import type { LeaseFence } from '../store/DocStore.ts';
import { checkSqlFence } from '../store/leaseFences.ts';
import { selectForUpdate, type SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  selectSnapshot,
  toSnapshotRecord,
  type AsyncSnapshotStore,
  type NewSnapshot,
  type PendingSnapshotDoc,
  type SnapshotDocRow,
  type SnapshotRecord,
  type SnapshotRow,
} from './SnapshotStore.ts';

interface DocRow {
  doc_id: string;
  hash: string;
  doc_seq: number;
}

const toDocRow = (r: DocRow): SnapshotDocRow => ({
  docId: r.doc_id,
  hash: r.hash,
  docSeq: r.doc_seq,
});

/**
 * The snapshot tables on the SQL seam (store/sql/): SqliteSnapshotStore's statements written
 * once for SQLite and PostgreSQL. Blobs are shared between snapshots (and workspaces), so
 * two processes meet on them: a capture writing a row on a blob while retention elsewhere
 * deletes the blob. Both lock the blob's row first (`dialect.forUpdate`; SQLite's write
 * transactions already exclude each other), so either the retention commits first and the
 * capture finds the blob gone (`missing`: it stores it again) or the retention waits and then
 * finds the blob used. Without the locks PostgreSQL would refuse one of the two with a
 * foreign-key violation. `list` orders a millisecond's snapshots by `rowid`: SQLite's, and
 * an identity column of that name on PostgreSQL.
 */
export class SqlSnapshotStore implements AsyncSnapshotStore {
  constructor(private readonly db: SqlDatabase) {}

  async begin(snapshot: NewSnapshot, fence?: LeaseFence | null): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      await this.db.run(
        `INSERT INTO snapshots (id, workspace_id, created_at, seq, store_generation, trigger,
                              author_user_id, label, restore_of, restore_scope, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'capturing')`,
        [
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
        ],
      );
    });
  }

  async hasBlob(hash: string): Promise<boolean> {
    return (
      (await this.db.get('SELECT 1 AS present FROM snapshot_blobs WHERE hash = ?', [hash])) !==
      undefined
    );
  }

  async putBlob(hash: string, deflated: Uint8Array, size: number, now: number): Promise<number> {
    const result = await this.db.run(
      `INSERT INTO snapshot_blobs (hash, data, size, stored_size, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
      [hash, deflated, size, deflated.byteLength, now],
    );
    return result.changes > 0 ? deflated.byteLength : 0;
  }

  async blob(hash: string): Promise<Buffer | null> {
    const row = await this.db.get<{ data: Buffer }>(
      'SELECT data FROM snapshot_blobs WHERE hash = ?',
      [hash],
    );
    return row?.data ?? null;
  }

  async addDocs(snapshotId: string, docs: readonly SnapshotDocRow[]): Promise<void> {
    await this.commitDocs(
      snapshotId,
      docs.map((row) => ({ row, blob: null })),
      0,
    );
  }

  async commitDocs(
    snapshotId: string,
    items: readonly PendingSnapshotDoc[],
    now: number,
    fence?: LeaseFence | null,
  ): Promise<{ addedBytes: number; missing: SnapshotDocRow[] }> {
    return this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      let addedBytes = 0;
      const missing: SnapshotDocRow[] = [];
      for (const { row, blob } of items) {
        const added = blob ? await this.putBlob(row.hash, blob.packed, blob.size, now) : 0;
        addedBytes += added;
        // A blob found rather than stored here is locked before a row points at it: see the
        // class comment.
        if (added === 0 && !(await this.#lockBlob(row.hash))) {
          missing.push(row);
          continue;
        }
        await this.db.run(
          'INSERT INTO snapshot_docs (snapshot_id, doc_id, hash, doc_seq) VALUES (?, ?, ?, ?)',
          [snapshotId, row.docId, row.hash, row.docSeq],
        );
      }
      return { addedBytes, missing };
    });
  }

  async #lockBlob(hash: string): Promise<boolean> {
    const sql = selectForUpdate(this.db, 'SELECT hash FROM snapshot_blobs WHERE hash = ?');
    return (await this.db.get(sql, [hash])) !== undefined;
  }

  async complete(snapshotId: string, addedBytes: number, fence?: LeaseFence | null): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      await this.db.run(
        `UPDATE snapshots
          SET status = 'complete', added_bytes = ?,
              doc_count = (SELECT COUNT(*) FROM snapshot_docs WHERE snapshot_id = snapshots.id),
              total_bytes = (SELECT COALESCE(SUM(b.size), 0)
                               FROM snapshot_docs d JOIN snapshot_blobs b ON b.hash = d.hash
                              WHERE d.snapshot_id = snapshots.id)
        WHERE id = ?`,
        [addedBytes, snapshotId],
      );
    });
  }

  async list(workspaceId: string): Promise<SnapshotRecord[]> {
    const rows = await this.db.all<SnapshotRow>(
      `${selectSnapshot} WHERE s.workspace_id = ? AND s.status = 'complete'
        ORDER BY s.created_at DESC, s.rowid DESC`,
      [workspaceId],
    );
    return rows.map(toSnapshotRecord);
  }

  async get(workspaceId: string, snapshotId: string): Promise<SnapshotRecord | null> {
    const row = await this.db.get<SnapshotRow>(
      `${selectSnapshot} WHERE s.id = ? AND s.workspace_id = ? AND s.status = 'complete'`,
      [snapshotId, workspaceId],
    );
    return row ? toSnapshotRecord(row) : null;
  }

  async latest(workspaceId: string): Promise<SnapshotRecord | null> {
    const row = await this.db.get<SnapshotRow>(
      `${selectSnapshot} WHERE s.workspace_id = ? AND s.status = 'complete'
        ORDER BY s.created_at DESC, s.rowid DESC LIMIT 1`,
      [workspaceId],
    );
    return row ? toSnapshotRecord(row) : null;
  }

  async docs(snapshotId: string): Promise<SnapshotDocRow[]> {
    const rows = await this.db.all<DocRow>(
      'SELECT doc_id, hash, doc_seq FROM snapshot_docs WHERE snapshot_id = ?',
      [snapshotId],
    );
    return rows.map(toDocRow);
  }

  async doc(snapshotId: string, docId: string): Promise<SnapshotDocRow | null> {
    const row = await this.db.get<DocRow>(
      'SELECT doc_id, hash, doc_seq FROM snapshot_docs WHERE snapshot_id = ? AND doc_id = ?',
      [snapshotId, docId],
    );
    return row ? toDocRow(row) : null;
  }

  async delete(snapshotIds: readonly string[], fence?: LeaseFence | null): Promise<number> {
    if (snapshotIds.length === 0) return 0;
    return this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      const hashes = new Set<string>();
      for (const id of snapshotIds) {
        const rows = await this.db.all<{ hash: string }>(
          'SELECT DISTINCT hash FROM snapshot_docs WHERE snapshot_id = ?',
          [id],
        );
        for (const row of rows) hashes.add(row.hash);
        await this.db.run('DELETE FROM snapshots WHERE id = ?', [id]);
      }
      let removed = 0;
      for (const hash of [...hashes].sort()) {
        // Locked, then looked at: a capture that wrote a row on it meanwhile has committed.
        if (!(await this.#lockBlob(hash))) continue;
        const used = await this.db.get(
          'SELECT 1 AS used FROM snapshot_docs WHERE hash = ? LIMIT 1',
          [hash],
        );
        if (used) continue;
        removed += (await this.db.run('DELETE FROM snapshot_blobs WHERE hash = ?', [hash])).changes;
      }
      return removed;
    });
  }

  async workspacesToSnapshot(): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT w.id FROM workspaces w
         LEFT JOIN subscriptions s ON s.workspace_id = w.id
        WHERE s.state IS NULL OR s.state <> 'terminated'
        ORDER BY w.id`,
    );
    // Id order as SQLite compares (bytes), whatever PostgreSQL's collation.
    return rows.map((row) => row.id).sort();
  }

  async incompleteWorkspaces(): Promise<string[]> {
    const rows = await this.db.all<{ workspace_id: string }>(
      "SELECT DISTINCT workspace_id FROM snapshots WHERE status = 'capturing'",
    );
    // Id order as SQLite compares (bytes), whatever PostgreSQL's collation.
    return rows.map((row) => row.workspace_id).sort();
  }

  async deleteIncomplete(workspaceId: string, fence?: LeaseFence | null): Promise<number> {
    const rows = await this.db.all<{ id: string }>(
      "SELECT id FROM snapshots WHERE workspace_id = ? AND status = 'capturing'",
      [workspaceId],
    );
    await this.delete(
      rows.map((r) => r.id),
      fence,
    );
    return rows.length;
  }

  async deleteWorkspace(workspaceId: string): Promise<void> {
    const rows = await this.db.all<{ id: string }>(
      'SELECT id FROM snapshots WHERE workspace_id = ?',
      [workspaceId],
    );
    await this.delete(rows.map((r) => r.id));
  }
}
