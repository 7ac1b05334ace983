import type { Migration } from '../Migration.ts';

/**
 * Where a finished export's zip is kept: its SHA-256 in the server's export-zip storage
 * (blobStorageFor's `exports` space — a folder of DATA_DIR, S3 or PostgreSQL), so that on a
 * cluster any process serves and deletes it. Null for jobs not finished, and for exports
 * finished before this version, whose zip is still the file DATA_DIR/exports/<id>.zip.
 */
export const m0027ExportZips: Migration = {
  version: 27,
  name: 'export_zips',
  up(db) {
    db.exec(`ALTER TABLE workspace_exports ADD COLUMN zip_sha256 TEXT;`);
  },
};
