import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { BlobQuota, Reservation } from './BlobQuota.ts';

/** The SQLite side of BlobQuota: reservations in blob_reservations (see BlobQuota.ts). */
export class SqliteBlobQuota implements BlobQuota {
  readonly #used;
  readonly #insert;
  readonly #delete;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    // Documents weigh what the document-size limit counts (merged state plus log, as the
    // usage endpoint reports them) and files their sizes: counters the triggers of
    // migrations 23 and 25 keep exact, so lookups (read inside the write transaction, and on
    // the sync write path), not sums over 100,000 docs rows or every file. Reservations are
    // the uploads in flight, a handful of rows.
    this.#used = db
      .prepare<[string, string, string], number>(
        `SELECT COALESCE((SELECT bytes FROM workspace_doc_bytes WHERE workspace_id = ?), 0)
              + COALESCE((SELECT bytes FROM workspace_file_bytes WHERE workspace_id = ?), 0)
              + (SELECT COALESCE(SUM(bytes), 0) FROM blob_reservations WHERE workspace_id = ?)`,
      )
      .pluck();
    this.#insert = db.prepare(
      'INSERT INTO blob_reservations (id, workspace_id, bytes, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM blob_reservations WHERE id = ?');
    // One process serves a data folder (scale-out is refused at start): reservations left by
    // a previous run belong to uploads that died with it. A multi-process store needs an
    // owner per reservation instead.
    db.prepare('DELETE FROM blob_reservations').run();
  }

  /**
   * Reserves `declared` bytes (the upload's Content-Length) or, when the size is not known
   * up front, everything up to `maxBytes` that is left.
   */
  reserve(
    workspaceId: string,
    quotaBytes: number,
    maxBytes: number,
    declared: number | null,
  ): Reservation {
    return this.db
      .transaction((): Reservation => {
        const used = this.used(workspaceId);
        const left = Math.min(maxBytes, quotaBytes - used);
        if (left <= 0) return { ok: false, reason: 'storage_used_up' };
        if (declared !== null && declared > left) return { ok: false, reason: 'does_not_fit' };
        const bytes = Math.max(1, declared ?? left);
        const id = newId();
        this.#insert.run(id, workspaceId, bytes, this.now());
        return { ok: true, id, bytes };
      })
      .immediate();
  }

  /** Stores the upload's rows (`record`) and drops its reservation, in one transaction. */
  commit(reservationId: string, record: () => void): void {
    try {
      this.db.transaction(() => {
        record();
        this.#delete.run(reservationId);
      })();
    } catch (error) {
      this.release(reservationId);
      throw error;
    }
  }

  release(reservationId: string): void {
    this.#delete.run(reservationId);
  }

  used(workspaceId: string): number {
    return this.#used.get(workspaceId, workspaceId, workspaceId) ?? 0;
  }
}
