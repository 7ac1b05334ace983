import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  toExport,
  type AsyncExportStore,
  type ExportRow,
  type ExportTableRow,
  type RemovedExport,
  type StoredZip,
  type WorkspaceBlobRow,
} from './ExportStore.ts';

const COLUMNS = `id, workspace_id, requested_by, state, created_at, finished_at, expires_at, done,
  total, bytes, error, zip_sha256`;

/**
 * Export jobs on the SQL seam (store/sql/): SqliteExportStore's statements written once for
 * SQLite and PostgreSQL. Which process runs a job is the job lease's business, not the
 * store's; the store only keeps a finished job finished (`progress` moves queued and
 * running jobs alone).
 */
export class SqlExportStore implements AsyncExportStore {
  constructor(private readonly db: SqlDatabase) {}

  async create(row: {
    id: string;
    workspaceId: string;
    requestedBy: string;
    createdAt: number;
  }): Promise<ExportRow> {
    await this.db.run(
      `INSERT INTO workspace_exports (id, workspace_id, requested_by, state, created_at)
       VALUES (?, ?, ?, 'queued', ?)`,
      [row.id, row.workspaceId, row.requestedBy, row.createdAt],
    );
    const created = await this.get(row.id);
    if (!created) throw new Error(`export ${row.id} vanished`);
    return created;
  }

  async get(id: string): Promise<ExportRow | null> {
    const row = await this.db.get<ExportTableRow>(
      `SELECT ${COLUMNS} FROM workspace_exports WHERE id = ?`,
      [id],
    );
    return row ? toExport(row) : null;
  }

  async ofWorkspace(workspaceId: string): Promise<ExportRow[]> {
    const rows = await this.db.all<ExportTableRow>(
      `SELECT ${COLUMNS} FROM workspace_exports WHERE workspace_id = ?
        ORDER BY created_at DESC, id DESC LIMIT 50`,
      [workspaceId],
    );
    return rows.map(toExport);
  }

  async unfinished(): Promise<ExportRow[]> {
    const rows = await this.db.all<ExportTableRow>(
      `SELECT ${COLUMNS} FROM workspace_exports WHERE state IN ('queued', 'running')
        ORDER BY created_at, id`,
    );
    return rows.map(toExport);
  }

  async progress(id: string, done: number, total: number): Promise<void> {
    await this.db.run(
      `UPDATE workspace_exports SET state = 'running', done = ?, total = ?
        WHERE id = ? AND state IN ('queued', 'running')`,
      [done, total, id],
    );
  }

  async ready(id: string, zip: StoredZip, finishedAt: number, expiresAt: number): Promise<void> {
    await this.db.run(
      `UPDATE workspace_exports SET state = 'ready', done = total, bytes = ?, zip_sha256 = ?,
              finished_at = ?, expires_at = ?
        WHERE id = ?`,
      [zip.bytes, zip.sha256, finishedAt, expiresAt, id],
    );
  }

  async failed(id: string, error: string, finishedAt: number): Promise<void> {
    await this.db.run(
      `UPDATE workspace_exports SET state = 'failed', error = ?, finished_at = ? WHERE id = ?`,
      [error, finishedAt, id],
    );
  }

  async dueToExpire(now: number): Promise<ExportRow[]> {
    const rows = await this.db.all<ExportTableRow>(
      `SELECT ${COLUMNS} FROM workspace_exports WHERE state = 'ready' AND expires_at <= ?
        ORDER BY expires_at, id`,
      [now],
    );
    return rows.map(toExport);
  }

  async expired(id: string): Promise<void> {
    await this.db.run(`UPDATE workspace_exports SET state = 'expired' WHERE id = ?`, [id]);
  }

  async deleteWorkspace(workspaceId: string): Promise<RemovedExport[]> {
    return this.db.all<RemovedExport>(
      'DELETE FROM workspace_exports WHERE workspace_id = ? RETURNING id, zip_sha256 AS "zipSha256"',
      [workspaceId],
    );
  }

  async namedZips(zipSha256s: readonly string[]): Promise<string[]> {
    if (zipSha256s.length === 0) return [];
    const rows = await this.db.all<{ sha256: string }>(
      `SELECT DISTINCT zip_sha256 AS sha256 FROM workspace_exports
        WHERE zip_sha256 IN (${zipSha256s.map(() => '?').join(', ')})`,
      [...zipSha256s],
    );
    return rows.map((row) => row.sha256);
  }

  async workspaceBlobs(workspaceId: string): Promise<WorkspaceBlobRow[]> {
    return this.db.all<WorkspaceBlobRow>(
      `SELECT sha256, name, type, size, uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"
         FROM workspace_blobs WHERE workspace_id = ? ORDER BY sha256`,
      [workspaceId],
    );
  }
}
