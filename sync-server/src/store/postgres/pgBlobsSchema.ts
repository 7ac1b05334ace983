import type { PgMigration } from './pgMigrations.ts';

/**
 * File bytes on PostgreSQL (PgBlobStore): a cluster's attachments when no S3 bucket is
 * configured, and its finished export zips, so that any process serves what another stored.
 *
 * An upload's bytes go to `blob_chunks` rows of at most BLOB_CHUNK_BYTES (256 KiB) under a
 * pending `blob_uploads` id, each row its own statement as the body arrives: no statement,
 * row or transaction holds a whole 25 MB file, and a byte range reads only the rows it
 * spans. The upload becomes visible in one statement — its `blob_contents` row, the address
 * (`space`, SHA-256) pointing at the upload — so no reader ever sees a partial blob; an
 * upload that failed is deleted (its chunks with it, ON DELETE CASCADE), one whose process
 * died is swept once it is a day old and nothing points at it. `space` keeps apart blobs
 * that must never be deleted for each other's sake: attachments (content-addressed, shared
 * between workspaces) and export zips.
 *
 * The chunks are stored EXTERNAL: out of line, not compressed — most attachments are
 * compressed already (images, video, PDF, zips), and PostgreSQL's own compression would
 * only cost CPU.
 *
 * `workspace_exports.zip_sha256`: where a finished export's zip is (SQLite's 0027).
 */
export const pgBlobsSchema: PgMigration = {
  version: 11,
  name: 'blob_contents',
  sql: `
    CREATE TABLE blob_uploads (
      id         text PRIMARY KEY,
      started_at bigint NOT NULL
    );
    CREATE INDEX blob_uploads_by_start ON blob_uploads (started_at);

    CREATE TABLE blob_chunks (
      upload_id text NOT NULL REFERENCES blob_uploads (id) ON DELETE CASCADE,
      n         integer NOT NULL,
      data      bytea NOT NULL,
      PRIMARY KEY (upload_id, n)
    );
    ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

    CREATE TABLE blob_contents (
      space      text NOT NULL,
      sha256     text NOT NULL,
      upload_id  text NOT NULL UNIQUE REFERENCES blob_uploads (id) ON DELETE CASCADE,
      size       bigint NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (space, sha256)
    );

    ALTER TABLE workspace_exports ADD COLUMN zip_sha256 text;
  `,
};
