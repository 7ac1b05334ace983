import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** A workspace's attachment: the name and type it was uploaded with. */
export interface BlobUse {
  name: string;
  type: string;
  size: number;
}

/**
 * Which blobs exist and which workspaces uploaded them (tables `blobs`, `workspace_blobs`).
 * The bytes live in BlobStorage; this is what may be read by whom.
 */
export interface BlobCatalog {
  /** Records a stored blob and its upload to the workspace (both idempotent). */
  recordUpload(input: {
    workspaceId: string;
    sha256: string;
    size: number;
    name: string;
    type: string;
    uploadedBy: string;
    at: number;
  }): void;
  /** The workspace's upload of `sha256`, or undefined when it never uploaded it. */
  use(workspaceId: string, sha256: string): BlobUse | undefined;
}

/** The BlobCatalog as callers see it once PostgreSQL may be behind it (`SqlBlobCatalog`). */
export type AsyncBlobCatalog = AsyncStore<BlobCatalog>;

export class SqliteBlobCatalog implements BlobCatalog {
  readonly #insertBlob;
  readonly #insertUse;
  readonly #findUse;

  constructor(db: SqliteDatabase) {
    this.#insertBlob = db.prepare(
      'INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    );
    this.#insertUse = db.prepare(
      `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, sha256) DO NOTHING`,
    );
    this.#findUse = db.prepare<[string, string]>(
      'SELECT name, type, size FROM workspace_blobs WHERE workspace_id = ? AND sha256 = ?',
    );
  }

  recordUpload(input: {
    workspaceId: string;
    sha256: string;
    size: number;
    name: string;
    type: string;
    uploadedBy: string;
    at: number;
  }): void {
    this.#insertBlob.run(input.sha256, input.size, input.at);
    this.#insertUse.run(
      input.workspaceId,
      input.sha256,
      input.name,
      input.type,
      input.size,
      input.uploadedBy,
      input.at,
    );
  }

  use(workspaceId: string, sha256: string): BlobUse | undefined {
    return this.#findUse.get(workspaceId, sha256) as BlobUse | undefined;
  }
}
