import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { bodyLimit } from '../http/bodyLimit/index.ts';
import type { ServerContext } from '../ServerContext.ts';
import { memberRequest } from '../workspaces/memberRequest.ts';
import { workspaceAccess, workspaceLimits } from '../workspaces/workspaceAccess.ts';
import { BlobStore, BlobTooLargeError } from './BlobStore.ts';

/** @default 100 MiB per file — videos of a screen recording fit; larger files belong in a Drive link. */
export const MAX_BLOB_BYTES = 100 * 1024 * 1024;

/** Types shown inline in the browser; everything else is always served as a download. */
const inlineTypes =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/(mp4|webm|ogg|quicktime)|audio\/[a-z0-9.+-]+)$/;

/**
 * Attachments: `POST /api/workspaces/:slug/blobs` (raw body; `content-type` and
 * `x-file-name` headers) → `{ sha256, size, type, name }`; `GET …/blobs/:sha256` streams it
 * to members of a workspace that uploaded it (`?download=1` as a download). Documents keep
 * only the reference; the bytes are stored once per content under DATA_DIR/blobs.
 */
export function installBlobRoutes(app: Hono, ctx: ServerContext): void {
  const store = new BlobStore(path.join(ctx.config.DATA_DIR, 'blobs'));
  const usedBytes = ctx.db.prepare<[string]>(
    'SELECT COALESCE(SUM(size), 0) AS used FROM workspace_blobs WHERE workspace_id = ?',
  );
  const insertBlob = ctx.db.prepare(
    'INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
  );
  const insertUse = ctx.db.prepare(
    `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, sha256) DO NOTHING`,
  );
  const findUse = ctx.db.prepare<[string, string]>(
    'SELECT name, type, size FROM workspace_blobs WHERE workspace_id = ? AND sha256 = ?',
  );

  // Above the app-wide JSON default; the streamed per-workspace cap below is the finer one.
  app.post('/api/workspaces/:slug/blobs', bodyLimit({ maxBytes: MAX_BLOB_BYTES }), async (c) => {
    const { auth, workspace } = memberRequest(ctx, c);
    const access = workspaceAccess(ctx.db, auth.user.id, workspace.id, ctx.now());
    if (!access?.canWrite) {
      throw new AppError(ErrorCode.workspaceReadOnly, 403, 'This workspace is read-only for you.');
    }
    const name = decodeName(c.req.header('x-file-name'));
    const type = (c.req.header('content-type') ?? 'application/octet-stream')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const quota = workspaceLimits(ctx.db, workspace.id)?.storageQuotaBytes ?? Infinity;
    const used = (usedBytes.get(workspace.id) as { used: number }).used;
    const room = Math.min(MAX_BLOB_BYTES, quota - used);
    if (room <= 0) throw tooLarge('The workspace has used all of its file storage.');
    const body = c.req.raw.body;
    if (!body) throw AppError.badRequest('The file is empty.');
    let stored;
    try {
      stored = await store.put(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), room);
    } catch (error) {
      if (error instanceof BlobTooLargeError) {
        throw tooLarge(
          room < MAX_BLOB_BYTES
            ? 'This file does not fit in the workspace’s remaining file storage.'
            : `Files can be at most ${MAX_BLOB_BYTES / 1024 / 1024} MB. Share larger ones as a link.`,
        );
      }
      throw error;
    }
    const now = ctx.now();
    ctx.db.transaction(() => {
      insertBlob.run(stored.sha256, stored.size, now);
      insertUse.run(workspace.id, stored.sha256, name, type, stored.size, auth.user.id, now);
    })();
    return c.json({ sha256: stored.sha256, size: stored.size, type, name }, 201);
  });

  app.get('/api/workspaces/:slug/blobs/:sha256', (c) => {
    const { workspace } = memberRequest(ctx, c);
    const sha256 = c.req.param('sha256');
    const row = /^[0-9a-f]{64}$/.test(sha256)
      ? (findUse.get(workspace.id, sha256) as
          { name: string; type: string; size: number } | undefined)
      : undefined;
    if (!row || !store.has(sha256)) throw AppError.notFound('No such file in this workspace.');
    const inline = inlineTypes.test(row.type) && c.req.query('download') === undefined;
    const stream = Readable.toWeb(store.open(sha256)) as ReadableStream<Uint8Array>;
    return new Response(stream, {
      headers: {
        'content-type': inline ? row.type : 'application/octet-stream',
        'content-length': String(row.size),
        'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(row.name)}`,
        // Content never changes at one address; members only, so private caching.
        'cache-control': 'private, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        // An uploaded HTML or SVG file must never run as a page of this origin.
        'content-security-policy': "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
      },
    });
  });
}

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

function tooLarge(message: string): AppError {
  return new AppError(ErrorCode.payloadTooLarge, 413, message);
}
