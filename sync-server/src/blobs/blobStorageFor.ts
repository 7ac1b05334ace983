import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { BlobStorage } from './BlobStorage.ts';
import { BlobStore } from './BlobStore.ts';

/**
 * Where this server keeps attachments: DATA_DIR/blobs, or the S3 bucket BLOB_S3_BUCKET names.
 * The AWS SDK is imported only when a bucket is configured: loading it costs every server
 * that never uses it memory at start.
 */
export async function blobStorageFor(config: Config): Promise<BlobStorage> {
  if (!config.BLOB_S3_BUCKET) return new BlobStore(path.join(config.DATA_DIR, 'blobs'));
  const { createS3Client, S3BlobStore } = await import('./S3BlobStore.ts');
  const credentials =
    config.BLOB_S3_ACCESS_KEY_ID && config.BLOB_S3_SECRET_ACCESS_KEY
      ? {
          accessKeyId: config.BLOB_S3_ACCESS_KEY_ID,
          secretAccessKey: config.BLOB_S3_SECRET_ACCESS_KEY,
        }
      : undefined;
  return new S3BlobStore({
    client: createS3Client({
      region: config.BLOB_S3_REGION,
      ...(config.BLOB_S3_ENDPOINT ? { endpoint: config.BLOB_S3_ENDPOINT } : {}),
      ...(credentials ? { credentials } : {}),
    }),
    bucket: config.BLOB_S3_BUCKET,
    prefix: config.BLOB_S3_PREFIX,
    // Outside DATA_DIR/blobs: backups copy that folder, and staged files are not blobs.
    stagingDir: path.join(config.DATA_DIR, 's3-staging'),
  });
}
