import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { blobItemKey, contentDisabledWords, ErrorCode, RefusedLimit } from '@desk/protocol';
import { DownloadQuery } from '@desk/protocol/rest';
import { AppError } from '../http/AppError.ts';
import { bodyLimit } from '../http/bodyLimit/index.ts';
import { readQuery } from '../http/readQuery/index.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import {
  memberRequest,
  type MemberRequestDeps,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { BlobCatalog, BlobUse } from './BlobCatalog.ts';
import type { AsyncBlobQuota } from './BlobQuota.ts';
import { BlobTooLargeError, StorageFullError, type BlobStorage } from './BlobStorage.ts';
import { detectContentType, isRefusedType } from './contentType.ts';
import { serveBlob } from './serveBlob.ts';
import type { StorageUse } from './StorageUse.ts';
import { Thumbnails } from './Thumbnails.ts';

/**
 * The stores the attachment routes read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface BlobRouteStores {
  readonly transactions: AsyncTransactions;
  readonly blobQuota: AsyncBlobQuota;
  readonly blobCatalog: AsyncStore<BlobCatalog>;
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
}

/** @default 100 MiB per file — videos of a screen recording fit; larger files belong in a Drive link. */
export const MAX_BLOB_BYTES = 100 * 1024 * 1024;

/**
 * Attachments: `POST /api/workspaces/:slug/blobs` (raw body; `x-file-name` header) →
 * `{ sha256, size, type, name }`, the type detected from the content; `GET …/blobs/:sha256`
 * streams it to members of a workspace that uploaded it (`?download=1` as a download; Range
 * requests for seeking); `GET …/blobs/:sha256/thumbnail` a WebP thumbnail of an image.
 * Documents keep only the reference; the bytes are stored once per content under
 * DATA_DIR/blobs (in BLOB_S3_BUCKET when set; on a cluster without one, in PostgreSQL), thumbnails
 * under DATA_DIR/thumbnails (each process makes its own).
 */
export function installBlobRoutes(
  app: Hono,
  ctx: ServerContext &
    MemberRequestDeps & {
      readonly control: BlobRouteStores & MemberStores;
      /** Image previews of the attachments in `store` (built once in createSyncServices). */
      readonly thumbnails: Thumbnails;
      /** What the sync write path counts as the workspace's storage: told of each upload. */
      readonly storageUse?: Pick<StorageUse, 'changed'>;
      /** Terms §4: the operator's reason when access to the workspace's file is disabled. */
      readonly disabledSets?: {
        load(workspaceId: string): Promise<{ reasonOf(itemKey: string): string | null }>;
      };
    },
  store: BlobStorage,
): void {
  const { thumbnails } = ctx;
  const { transactions, blobCatalog: catalog, blobQuota: quotas, workspaceAccess } = ctx.control;

  // Above the app-wide JSON default; the streamed per-workspace cap below is the finer one.
  app.post(
    '/api/workspaces/:slug/blobs',
    bodyLimit({ maxBytes: MAX_BLOB_BYTES }),
    closeAfterRefusal,
    async (c) => {
      const { auth, workspace } = await memberRequest(ctx, c);
      const access = await workspaceAccess.of(auth.user.id, workspace.id);
      if (!access?.canWrite) {
        throw new AppError(
          ErrorCode.workspaceReadOnly,
          403,
          'This workspace is read-only for you.',
        );
      }
      const name = decodeName(c.req.header('x-file-name'));
      // Set from the bytes once they are in; the client's content-type header is not trusted.
      let type = 'application/octet-stream';
      const body = c.req.raw.body;
      if (!body) throw AppError.badRequest('The file is empty.');
      // Reserved before a byte is written, so parallel uploads cannot overrun the quota together.
      const quota = (await workspaceAccess.limits(workspace.id))?.storageQuotaBytes ?? Infinity;
      const declared = declaredLength(c.req.header('content-length'));
      // Named for what it is: a file over the size limit, whatever room is left.
      if (declared !== null && declared > MAX_BLOB_BYTES) throw fileTooLarge();
      const reservation = await quotas.reserve(workspace.id, quota, MAX_BLOB_BYTES, declared);
      if (!reservation.ok) {
        throw tooLarge(
          reservation.reason === 'storage_used_up'
            ? 'The workspace has used all of its file storage.'
            : 'This file does not fit in the workspace’s remaining file storage.',
          RefusedLimit.storage,
        );
      }
      const room = reservation.bytes;
      let stored;
      try {
        stored = await store.put(
          Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
          room,
          async (sample) => {
            type = await detectContentType(sample);
            if (isRefusedType(type)) {
              throw new AppError(
                ErrorCode.fileTypeRefused,
                415,
                'Programs and installers cannot be attached. Share them another way.',
              );
            }
          },
        );
      } catch (error) {
        await quotas.release(reservation.id);
        if (error instanceof StorageFullError) {
          ctx.log.error({ err: error.cause, workspaceId: workspace.id }, 'blob storage is full');
          throw new AppError(
            ErrorCode.insufficientStorage,
            507,
            'The server has no room left to store this file. Nothing was saved; try again later.',
          );
        }
        if (error instanceof BlobTooLargeError) {
          throw room < MAX_BLOB_BYTES
            ? tooLarge(
                'This file does not fit in the workspace’s remaining file storage.',
                RefusedLimit.storage,
              )
            : fileTooLarge();
        }
        throw error;
      }
      const now = ctx.now();
      // BlobQuota.commit's rule on the seam: the rows and the reservation's end in one
      // transaction (database calls only), the reservation released after a rollback.
      try {
        await transactions.write(async () => {
          await catalog.recordUpload({
            workspaceId: workspace.id,
            sha256: stored.sha256,
            size: stored.size,
            name,
            type,
            uploadedBy: auth.user.id,
            at: now,
          });
          await quotas.release(reservation.id);
        });
      } catch (error) {
        await quotas.release(reservation.id);
        throw error;
      }
      ctx.storageUse?.changed(workspace.id);
      if (Thumbnails.canMake(type)) void thumbnails.ensure(stored.sha256);
      return c.json({ sha256: stored.sha256, size: stored.size, type, name }, 201);
    },
  );

  const findAttachment = async (c: Context): Promise<{ sha256: string; row: BlobUse }> => {
    const { workspace } = await memberRequest(ctx, c);
    const sha256 = c.req.param('sha256') ?? '';
    const row = /^[0-9a-f]{64}$/.test(sha256) ? await catalog.use(workspace.id, sha256) : undefined;
    if (!row || !(await store.has(sha256)))
      throw AppError.notFound('No such file in this workspace.');
    // Terms §4: a disabled file (and its thumbnail) answers 451 with the reason; its bytes stay.
    const disabled = (await ctx.disabledSets?.load(workspace.id))?.reasonOf(blobItemKey(sha256));
    if (disabled != null) {
      throw new AppError(ErrorCode.contentDisabled, 451, contentDisabledWords(disabled), {
        reason: disabled,
      });
    }
    return { sha256, row };
  };

  app.get('/api/workspaces/:slug/blobs/:sha256', async (c) => {
    const { sha256, row } = await findAttachment(c);
    return serveBlob(c.req.raw.headers, {
      tag: sha256,
      size: row.size,
      type: row.type,
      name: row.name,
      download: readQuery(c, DownloadQuery).download !== undefined,
      open: (range) => store.open(sha256, range),
    });
  });

  app.get('/api/workspaces/:slug/blobs/:sha256/thumbnail', async (c) => {
    const { sha256, row } = await findAttachment(c);
    const file = Thumbnails.canMake(row.type) ? await thumbnails.ensure(sha256) : null;
    if (!file) throw AppError.notFound('This file has no thumbnail.');
    const size = (await fs.promises.stat(file)).size;
    return serveBlob(c.req.raw.headers, {
      tag: `${sha256}.webp`,
      size,
      type: 'image/webp',
      name: `${path.parse(row.name).name}.webp`,
      download: false,
      open: (range) => Promise.resolve(fs.createReadStream(file, range)),
    });
  });
}
/**
 * An upload refused while it streams in (over the cap: 413, disk full: 507) stops being
 * read; the connection is closed rather than kept alive with the client still sending the
 * rest (which the next request on it would then be parsed from).
 */
const closeAfterRefusal: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 413 || c.res.status === 507) c.header('Connection', 'close');
};

function decodeName(raw: string | undefined): string {
  let name = 'file';
  try {
    name = raw ? decodeURIComponent(raw) : 'file';
  } catch {
    name = raw ?? 'file';
  }
  // A name is a label, never a path.
  const clean = name
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\\/\u0000-\u001f]/g, '_')
    .trim()
    .slice(0, 200);
  return clean || 'file';
}

function tooLarge(message: string, limit: RefusedLimit): AppError {
  return new AppError(ErrorCode.payloadTooLarge, 413, message, { limit });
}

/** A file over the attachment size limit (`limit: attachment_size`). */
export function fileTooLarge(): AppError {
  return tooLarge(
    `Files can be at most ${MAX_BLOB_BYTES / 1024 / 1024} MB. Share larger ones as a link.`,
    RefusedLimit.attachmentSize,
  );
}

/** The body's declared size (browsers send it with every File), or null when not given. */
function declaredLength(header: string | undefined): number | null {
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}
