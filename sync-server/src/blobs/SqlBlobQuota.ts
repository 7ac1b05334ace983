import { newId } from '../ids/newId.ts';
import { selectForUpdate, type SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncBlobQuota, Reservation } from './BlobQuota.ts';

/** An upload's reservation older than this belongs to an upload that died with its process. */
export const RESERVATION_ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * The storage quota on the SQL seam (store/sql/): SqliteBlobQuota's rules written once for
 * SQLite and PostgreSQL. What a workspace uses is three lookups — its documents' bytes and
 * its files' bytes (counters the schema's triggers keep exact on both engines) and its
 * uploads in flight.
 *
 * Several processes: a reservation is checked and taken with the workspace row locked
 * (`forUpdate`), so uploads racing on two processes never together pass the quota. And
 * since other processes' uploads are in flight when one starts, a starting process cannot
 * clear the reservations left by a previous run (SqliteBlobQuota does, serving its data
 * folder alone): a reservation older than `abandonedAfterMs` stops counting instead, and is
 * removed by the next reservation in its workspace.
 */
export class SqlBlobQuota implements AsyncBlobQuota {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly abandonedAfterMs = RESERVATION_ABANDONED_AFTER_MS,
  ) {}

  reserve(
    workspaceId: string,
    quotaBytes: number,
    maxBytes: number,
    declared: number | null,
  ): Promise<Reservation> {
    return this.db.transaction(async (): Promise<Reservation> => {
      await this.db.get(selectForUpdate(this.db, 'SELECT id FROM workspaces WHERE id = ?'), [
        workspaceId,
      ]);
      const now = this.now();
      await this.db.run(
        'DELETE FROM blob_reservations WHERE workspace_id = ? AND created_at <= ?',
        [workspaceId, now - this.abandonedAfterMs],
      );
      const used = await this.used(workspaceId);
      const left = Math.min(maxBytes, quotaBytes - used);
      if (left <= 0) return { ok: false, reason: 'storage_used_up' };
      if (declared !== null && declared > left) return { ok: false, reason: 'does_not_fit' };
      const bytes = Math.max(1, declared ?? left);
      const id = newId();
      await this.db.run(
        'INSERT INTO blob_reservations (id, workspace_id, bytes, created_at) VALUES (?, ?, ?, ?)',
        [id, workspaceId, bytes, now],
      );
      return { ok: true, id, bytes };
    });
  }

  /**
   * Stores the upload's rows (`record`) and drops its reservation, in one transaction. On a
   * failure the reservation is released after the rollback — so this is not to be called
   * inside a caller's transaction, whose rollback would take the release with it.
   */
  async commit(reservationId: string, record: () => void | Promise<void>): Promise<void> {
    try {
      await this.db.transaction(async () => {
        await record();
        await this.db.run('DELETE FROM blob_reservations WHERE id = ?', [reservationId]);
      });
    } catch (error) {
      await this.release(reservationId);
      throw error;
    }
  }

  async release(reservationId: string): Promise<void> {
    await this.db.run('DELETE FROM blob_reservations WHERE id = ?', [reservationId]);
  }

  async used(workspaceId: string): Promise<number> {
    const row = await this.db.get<{ used: number }>(
      `SELECT COALESCE((SELECT bytes FROM workspace_doc_bytes WHERE workspace_id = ?), 0)
            + COALESCE((SELECT bytes FROM workspace_file_bytes WHERE workspace_id = ?), 0)
            + (SELECT COALESCE(SUM(bytes), 0) FROM blob_reservations
                WHERE workspace_id = ? AND created_at > ?) AS used`,
      [workspaceId, workspaceId, workspaceId, this.now() - this.abandonedAfterMs],
    );
    return row?.used ?? 0;
  }
}
