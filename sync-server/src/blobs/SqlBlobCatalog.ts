import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncBlobCatalog, BlobCatalog, BlobUse } from './BlobCatalog.ts';

type Upload = Parameters<BlobCatalog['recordUpload']>[0];

/** The blob catalog on the SQL seam (store/sql/), SqliteBlobCatalog's statements written once. */
export class SqlBlobCatalog implements AsyncBlobCatalog {
  constructor(private readonly db: SqlDatabase) {}

  /** Both rows in one transaction (the caller's, when it runs inside `SqlBlobQuota.commit`). */
  recordUpload(input: Upload): Promise<void> {
    return this.db.transaction(async () => {
      await this.db.run(
        'INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
        [input.sha256, input.size, input.at],
      );
      await this.db.run(
        `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, sha256) DO NOTHING`,
        [
          input.workspaceId,
          input.sha256,
          input.name,
          input.type,
          input.size,
          input.uploadedBy,
          input.at,
        ],
      );
    });
  }

  async use(workspaceId: string, sha256: string): Promise<BlobUse | undefined> {
    return this.db.get<BlobUse>(
      'SELECT name, type, size FROM workspace_blobs WHERE workspace_id = ? AND sha256 = ?',
      [workspaceId, sha256],
    );
  }
}
