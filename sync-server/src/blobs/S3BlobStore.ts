import fs from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { BlobStorage, InspectUpload, StoredBlob } from './BlobStorage.ts';
import { BlobStore } from './BlobStore.ts';
import type { ByteRange } from './byteRange.ts';

export interface S3BlobStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Prepended to every key, e.g. `desk/blobs/`; empty for the bucket's root. */
  readonly prefix?: string;
  /** A local folder where an upload is staged while it is hashed and checked. */
  readonly stagingDir: string;
}

export interface S3ConnectionOptions {
  /** An S3-compatible server's URL (MinIO, R2, …); AWS's own endpoint when omitted. */
  readonly endpoint?: string;
  readonly region: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers expect. */
  readonly forcePathStyle?: boolean;
  /** Omitted: the SDK's usual chain (AWS_ACCESS_KEY_ID…, instance roles). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * An S3 client for blob storage. Checksums only where the API requires them: the SDK's
 * default adds a trailing checksum with aws-chunked encoding to every streamed upload,
 * which several S3-compatible servers reject.
 */
export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * BlobStorage on an S3-compatible bucket, objects at `<prefix><first two hex>/<sha256>`.
 * The address is the hash of the content, known only once the last byte arrived, so an
 * upload is staged in a local file first (with the same streamed cap, inspection and
 * cleanup as the filesystem store), then put once — unless the bucket already holds it.
 * A failed put leaves no object: S3 makes an object visible only when its PUT completed.
 */
export class S3BlobStore implements BlobStorage {
  private readonly staging: BlobStore;
  /** Uploads of one content in progress, shared by puts of the same bytes at once. */
  private readonly uploads = new Map<string, Promise<void>>();

  constructor(private readonly options: S3BlobStoreOptions) {
    this.staging = new BlobStore(options.stagingDir);
  }

  keyOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return `${this.options.prefix ?? ''}${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(body: Readable, maxBytes: number, inspect?: InspectUpload): Promise<StoredBlob> {
    const staged = await this.staging.put(body, maxBytes, inspect);
    let upload = this.uploads.get(staged.sha256);
    if (!upload) {
      upload = this.upload(staged).finally(() => this.uploads.delete(staged.sha256));
      this.uploads.set(staged.sha256, upload);
    }
    await upload;
    return staged;
  }

  private async upload(staged: StoredBlob): Promise<void> {
    const file = this.staging.pathOf(staged.sha256);
    try {
      if (await this.has(staged.sha256)) return;
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.keyOf(staged.sha256),
          Body: fs.createReadStream(file),
          ContentLength: staged.size,
          ContentType: 'application/octet-stream',
        }),
      );
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.options.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    // S3 answers 204 for a key that does not exist, too.
    await this.options.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }),
    );
  }

  /** By the objects' LastModified (whole seconds), listed a page of up to 1000 keys at a time. */
  async storedBefore(time: number): Promise<string[]> {
    const prefix = this.options.prefix ?? '';
    const address = /^[0-9a-f]{2}\/([0-9a-f]{64})$/;
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        // Only keys of this store's layout: the prefix may be shared with other things.
        const sha256 = object.Key?.slice(prefix.length).match(address)?.[1];
        if (sha256 && object.LastModified && object.LastModified.getTime() < time) {
          found.push(sha256);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    const response = await this.options.client.send(
      new GetObjectCommand({
        Bucket: this.options.bucket,
        Key: this.keyOf(sha256),
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    // In Node the SDK's body is the HTTP response itself, a Readable.
    return response.Body as Readable;
  }
}

/** HEAD has no body to carry an error code: a missing object is the 404 status. */
function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.$metadata?.httpStatusCode === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey';
}
