import type { ExportState } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** One export job (table `workspace_exports`). */
export interface ExportRow {
  readonly id: string;
  readonly workspaceId: string;
  readonly requestedBy: string;
  readonly state: ExportState;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly expiresAt: number | null;
  readonly done: number;
  readonly total: number;
  readonly bytes: number | null;
  readonly error: string | null;
  /**
   * The finished zip's SHA-256 in the server's export-zip storage (blobStorageFor's
   * `exports` space); null until it is ready, and for exports finished before SQLite
   * migration 27, whose zip is the file DATA_DIR/exports/<id>.zip.
   */
  readonly zipSha256: string | null;
}

/** A finished export's zip as stored: its address and size. */
export interface StoredZip {
  readonly sha256: string;
  readonly bytes: number;
}

/** A removed export job and the zip it leaves to delete (`deleteWorkspace`). */
export interface RemovedExport {
  readonly id: string;
  readonly zipSha256: string | null;
}

/** A file the workspace uploaded, as the export lists it. */
export interface WorkspaceBlobRow {
  readonly sha256: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly uploadedBy: string;
  readonly uploadedAt: number;
}

/**
 * Export jobs and what an export reads besides documents. Synchronous, like every store.
 */
export interface ExportStore {
  create(row: {
    id: string;
    workspaceId: string;
    requestedBy: string;
    createdAt: number;
  }): ExportRow;
  get(id: string): ExportRow | null;
  /** The workspace's exports, newest first. */
  ofWorkspace(workspaceId: string): ExportRow[];
  /** Jobs a restart interrupted (`queued` or `running`), oldest first. */
  unfinished(): ExportRow[];
  progress(id: string, done: number, total: number): void;
  /** The job is ready: its zip stored as `zip`, downloadable until `expiresAt`. */
  ready(id: string, zip: StoredZip, finishedAt: number, expiresAt: number): void;
  failed(id: string, error: string, finishedAt: number): void;
  /** Ready exports whose time is up at `now`. */
  dueToExpire(now: number): ExportRow[];
  expired(id: string): void;
  /**
   * Every export row of the workspace removed (workspace deletion); returns their ids and
   * the zips they leave to delete.
   */
  deleteWorkspace(workspaceId: string): RemovedExport[];
  /** Every file the workspace uploaded (table `workspace_blobs`), by hash. */
  workspaceBlobs(workspaceId: string): WorkspaceBlobRow[];
  /**
   * Those of `zipSha256s` an export row names (`zip_sha256`, whatever its state): the zips
   * the orphan sweep must keep.
   */
  namedZips(zipSha256s: readonly string[]): string[];
}

/** The ExportStore as callers see it once PostgreSQL may be behind it (`SqlExportStore`). */
export type AsyncExportStore = AsyncStore<ExportStore>;

/** A `workspace_exports` row as the stores read it. */
export interface ExportTableRow {
  id: string;
  workspace_id: string;
  requested_by: string;
  state: ExportState;
  created_at: number;
  finished_at: number | null;
  expires_at: number | null;
  done: number;
  total: number;
  bytes: number | null;
  error: string | null;
  zip_sha256: string | null;
}

export const toExport = (r: ExportTableRow): ExportRow => ({
  id: r.id,
  workspaceId: r.workspace_id,
  requestedBy: r.requested_by,
  state: r.state,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  expiresAt: r.expires_at,
  done: r.done,
  total: r.total,
  bytes: r.bytes,
  error: r.error,
  zipSha256: r.zip_sha256,
});

export class SqliteExportStore implements ExportStore {
  constructor(private readonly db: SqliteDatabase) {}

  create(row: {
    id: string;
    workspaceId: string;
    requestedBy: string;
    createdAt: number;
  }): ExportRow {
    this.db
      .prepare(
        `INSERT INTO workspace_exports (id, workspace_id, requested_by, state, created_at)
         VALUES (?, ?, ?, 'queued', ?)`,
      )
      .run(row.id, row.workspaceId, row.requestedBy, row.createdAt);
    return this.get(row.id)!;
  }

  get(id: string): ExportRow | null {
    const row = this.db.prepare('SELECT * FROM workspace_exports WHERE id = ?').get(id) as
      ExportTableRow | undefined;
    return row ? toExport(row) : null;
  }

  ofWorkspace(workspaceId: string): ExportRow[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM workspace_exports WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 50',
        )
        .all(workspaceId) as ExportTableRow[]
    ).map(toExport);
  }

  unfinished(): ExportRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM workspace_exports WHERE state IN ('queued', 'running') ORDER BY created_at, id`,
        )
        .all() as ExportTableRow[]
    ).map(toExport);
  }

  progress(id: string, done: number, total: number): void {
    this.db
      .prepare(
        `UPDATE workspace_exports SET state = 'running', done = ?, total = ? WHERE id = ? AND state IN ('queued', 'running')`,
      )
      .run(done, total, id);
  }

  ready(id: string, zip: StoredZip, finishedAt: number, expiresAt: number): void {
    this.db
      .prepare(
        `UPDATE workspace_exports SET state = 'ready', done = total, bytes = ?, zip_sha256 = ?,
           finished_at = ?, expires_at = ?
         WHERE id = ?`,
      )
      .run(zip.bytes, zip.sha256, finishedAt, expiresAt, id);
  }

  failed(id: string, error: string, finishedAt: number): void {
    this.db
      .prepare(
        `UPDATE workspace_exports SET state = 'failed', error = ?, finished_at = ? WHERE id = ?`,
      )
      .run(error, finishedAt, id);
  }

  dueToExpire(now: number): ExportRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM workspace_exports WHERE state = 'ready' AND expires_at <= ?`)
        .all(now) as ExportTableRow[]
    ).map(toExport);
  }

  expired(id: string): void {
    this.db.prepare(`UPDATE workspace_exports SET state = 'expired' WHERE id = ?`).run(id);
  }

  deleteWorkspace(workspaceId: string): RemovedExport[] {
    return this.db
      .prepare(
        'DELETE FROM workspace_exports WHERE workspace_id = ? RETURNING id, zip_sha256 AS zipSha256',
      )
      .all(workspaceId) as RemovedExport[];
  }

  namedZips(zipSha256s: readonly string[]): string[] {
    if (zipSha256s.length === 0) return [];
    return (
      this.db
        .prepare(
          `SELECT DISTINCT zip_sha256 AS sha256 FROM workspace_exports
            WHERE zip_sha256 IN (${zipSha256s.map(() => '?').join(', ')})`,
        )
        .all(...zipSha256s) as { sha256: string }[]
    ).map((row) => row.sha256);
  }

  workspaceBlobs(workspaceId: string): WorkspaceBlobRow[] {
    return this.db
      .prepare(
        `SELECT sha256, name, type, size, uploaded_by AS uploadedBy, uploaded_at AS uploadedAt
         FROM workspace_blobs WHERE workspace_id = ? ORDER BY sha256`,
      )
      .all(workspaceId) as WorkspaceBlobRow[];
  }
}
