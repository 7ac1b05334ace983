import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { PgPool } from '../store/postgres/PgPool.ts';
import type { BlobStorage } from './BlobStorage.ts';
import { BlobStore } from './BlobStore.ts';
import { BlobSpace, PgBlobStore } from './PgBlobStore.ts';

export interface BlobStorageChoice {
  /**
   * Which files: attachments, or finished export zips. Kept apart in every storage (their
   * own folder, key prefix or PostgreSQL space): attachments are content-addressed and
   * shared between workspaces, and an export's expiry must never delete an attachment
   * that happens to hold the same bytes (its zip uploaded again), nor the reverse.
   * @default 'attachments'
   */
  readonly space?: keyof typeof BlobSpace;
  /**
   * A cluster's PostgreSQL (ClusterParts.pool): without a bucket, the files are kept there,
   * where every process of the cluster finds them. Null for one process.
   */
  readonly pool?: PgPool | null;
}

/**
 * Where this server keeps attachments and export zips: the S3 bucket BLOB_S3_BUCKET names
 * (always, when set); else on a cluster its PostgreSQL (PgBlobStore: a process's disk is
 * its own, so an upload on one process would be missing on the others); else the disk,
 * DATA_DIR/blobs and DATA_DIR/exports/zips. The AWS SDK is imported only when a bucket is
 * configured: loading it costs every server that never uses it memory at start.
 */
export async function blobStorageFor(
  config: Config,
  choice: BlobStorageChoice = {},
): Promise<BlobStorage> {
  const space = choice.space ?? 'attachments';
  if (config.BLOB_S3_BUCKET) return s3Storage(config, config.BLOB_S3_BUCKET, space);
  if (choice.pool) return new PgBlobStore({ pool: choice.pool, space: BlobSpace[space] });
  return new BlobStore(
    space === 'attachments'
      ? path.join(config.DATA_DIR, 'blobs')
      : path.join(config.DATA_DIR, 'exports', 'zips'),
  );
}

async function s3Storage(
  config: Config,
  bucket: string,
  space: keyof typeof BlobSpace,
): Promise<BlobStorage> {
  const { createS3Client, S3BlobStore } = await import('./S3BlobStore.ts');
  const credentials =
    config.BLOB_S3_ACCESS_KEY_ID && config.BLOB_S3_SECRET_ACCESS_KEY
      ? {
          accessKeyId: config.BLOB_S3_ACCESS_KEY_ID,
          secretAccessKey: config.BLOB_S3_SECRET_ACCESS_KEY,
        }
      : undefined;
  // Attachments at <prefix><two hex>/<sha256>, zips at <prefix>exports/<two hex>/<sha256>.
  const zips = space === 'exports';
  return new S3BlobStore({
    client: createS3Client({
      region: config.BLOB_S3_REGION,
      ...(config.BLOB_S3_ENDPOINT ? { endpoint: config.BLOB_S3_ENDPOINT } : {}),
      ...(credentials ? { credentials } : {}),
    }),
    bucket,
    prefix: `${config.BLOB_S3_PREFIX}${zips ? 'exports/' : ''}`,
    // Outside DATA_DIR/blobs: backups copy that folder, and staged files are not blobs.
    stagingDir: path.join(config.DATA_DIR, 's3-staging', ...(zips ? ['exports'] : [])),
  });
}
