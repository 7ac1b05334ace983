import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import type { ExportListResponse, ExportResponse } from '@desk/protocol';
import { exportArchiveJsonSchema, ImportWorkspaceQuery } from '@desk/protocol/rest';
import { AppError } from '../http/AppError.ts';
import { bodyLimit } from '../http/bodyLimit/index.ts';
import { authOf } from '../identity/middleware.ts';
import { newId } from '../ids/newId.ts';
import type { ServerContext } from '../ServerContext.ts';
import { managerRequest, type MemberRequestDeps } from '../workspaces/memberRequest.ts';
import type { ExportService } from './ExportService.ts';
import type { WorkspaceImporter } from './WorkspaceImporter.ts';

/**
 * The largest zip `POST /api/workspace-imports` accepts (streamed to a temp file).
 * @default 4 GiB — a business plan's storage quota fits with room for the documents.
 */
export const MAX_IMPORT_BYTES = 4 * 1024 ** 3;

export const EXPORT_SCHEMA_PATH = '/api/export-format/v1/schema.json';

/**
 * `/api/workspaces/:slug/exports…` — owners and admins export the workspace (a background
 * job; its progress is polled from the list) and download their own export;
 * `POST /api/workspace-imports` makes a new workspace, owned by the caller, from an export;
 * the format's JSON Schema is public.
 */
export function installExportRoutes(
  app: Hono,
  ctx: ServerContext & MemberRequestDeps,
  service: ExportService,
  importer: WorkspaceImporter,
): void {
  const base = '/api/workspaces/:slug/exports';

  app.get(base, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const body: ExportListResponse = {
      exports: await Promise.all(
        (await service.list(workspace.id)).map((row) => service.summary(row, auth.user.id)),
      ),
    };
    return c.json(body);
  });

  app.post(base, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const row = await service.request(workspace.id, auth.user.id);
    const body: ExportResponse = { export: await service.summary(row, auth.user.id) };
    return c.json(body, 202);
  });

  app.get(`${base}/:exportId`, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const row = await service.get(workspace.id, c.req.param('exportId'));
    const body: ExportResponse = { export: await service.summary(row, auth.user.id) };
    return c.json(body);
  });

  app.get(`${base}/:exportId/download`, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const { row, size, stream } = await service.download(
      workspace.id,
      c.req.param('exportId'),
      auth.user.id,
    );
    const day = new Date(row.createdAt).toISOString().slice(0, 10);
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
      headers: {
        'content-type': 'application/zip',
        'content-length': String(size),
        'content-disposition': `attachment; filename="${workspace.slug}-export-${day}.zip"`,
        'cache-control': 'private, no-store',
      },
    });
  });

  app.get(EXPORT_SCHEMA_PATH, (c) => c.json(exportArchiveJsonSchema()));

  app.post('/api/workspace-imports', bodyLimit({ maxBytes: MAX_IMPORT_BYTES }), async (c) => {
    const auth = authOf(c);
    if (!auth.session) throw AppError.forbidden('Import workspaces from a browser session.');
    const query = ImportWorkspaceQuery.safeParse({
      name: c.req.query('name'),
      slug: c.req.query('slug'),
    });
    if (!query.success) {
      throw AppError.badRequest('Give the new workspace a name and an address (?name=&slug=).');
    }
    const body = c.req.raw.body;
    if (!body) throw AppError.badRequest('Send the export’s zip as the request body.');
    const dir = path.join(ctx.config.DATA_DIR, 'imports');
    await fs.promises.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${newId()}.zip`);
    try {
      await pipeline(
        Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
        fs.createWriteStream(file),
      );
      const result = await importer.import({
        zipPath: file,
        ownerUserId: auth.user.id,
        name: query.data.name,
        slug: query.data.slug,
        actor: { kind: 'user', userId: auth.user.id },
      });
      return c.json(result, 201);
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  });
}
