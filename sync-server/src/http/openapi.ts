import type { Hono } from 'hono';
import { authOpenApi } from '../auth/openapi.ts';
import { DEFAULT_BODY_LIMIT_BYTES } from './bodyLimit/index.ts';
import { error, json } from './openApiParts.ts';
import type { ServerContext } from '../ServerContext.ts';
import { searchOpenApi } from '../search/openapi.ts';
import { termsOpenApi } from '../terms/openapi.ts';
import { usageOpenApi } from '../usage/openapi.ts';
import { workspacesOpenApi } from '../workspaces/openapi.ts';

type Fragment = {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
};

const path = (...names: string[]) =>
  names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
const member = {
  '401': error('Not authenticated.'),
  '404': error('`not_found`: no such workspace, or the caller is not a member.'),
};
const admin = { ...member, '403': error('`forbidden`: owners and admins only.') };

/**
 * Routes of the service desk itself (ticket numbers, attachments, snapshots) and health.
 * Their modules keep no fragment of their own yet; this one lists them so the document is
 * complete (the test beside this file fails when a route is missing).
 */
const deskOpenApi: Fragment = {
  paths: {
    '/healthz': { get: { summary: 'The process is up.', responses: { '200': json('Up.') } } },
    '/readyz': {
      get: {
        summary: 'Database open and migrated, not shutting down.',
        responses: { '200': json('Ready.'), '503': json('Not ready, with the reason.') },
      },
    },
    '/api/openapi.json': {
      get: { summary: 'This document.', responses: { '200': json('OpenAPI 3.1.') } },
    },
    '/api/workspaces/{slug}/ticket-numbers': {
      post: {
        summary:
          'Reserve a block of ticket numbers (unique per workspace) for tickets created offline.',
        parameters: path('slug'),
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: { type: 'object', properties: { count: { type: 'integer', maximum: 100 } } },
            },
          },
        },
        responses: {
          '200': json('The block, `{ from, to }` inclusive.'),
          ...member,
          '409': error('`workspace_read_only`.'),
        },
      },
    },
    '/api/workspaces/{slug}/blobs': {
      post: {
        summary:
          'Upload an attachment (raw body, streamed to storage; `x-file-name` header). Stored once per content (SHA-256). The type is detected from the bytes (magic numbers), never taken from `content-type`; HTML, SVG, XML and other non-media types are stored but only ever served as downloads.',
        parameters: path('slug'),
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          '201': json('`{ sha256, size, type, name }`; `type` is the detected type.'),
          ...member,
          '413': error(
            '`payload_too_large`: over the file limit or the storage quota (checked while streaming; the connection is closed).',
          ),
          '415': error(
            '`file_type_refused`: the content is a program or installer (Windows PE, ELF, Mach-O, MSI, APK), whatever its name.',
          ),
          '507': error(
            '`insufficient_storage`: the server’s disk is full; nothing was stored (the connection is closed).',
          ),
        },
      },
    },
    '/api/workspaces/{slug}/blobs/{sha256}': {
      get: {
        summary:
          'Download an attachment of this workspace. Images, video, audio and PDF inline with their detected type (`?download=1` for a download); everything else as `application/octet-stream` with `Content-Disposition: attachment`. Always `X-Content-Type-Options: nosniff` and a CSP `sandbox` (PDF excepted: browsers refuse to show a sandboxed PDF). One byte range per request (`Range: bytes=…`, `If-Range`), strong ETag (the SHA-256; `If-None-Match` → 304).',
        parameters: [
          ...path('slug', 'sha256'),
          { name: 'download', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'If-Range', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'The bytes (`Accept-Ranges: bytes`).' },
          '206': { description: 'The asked range, with `Content-Range: bytes start-end/size`.' },
          '304': { description: 'Unchanged (`If-None-Match` named this content).' },
          '416': { description: 'The range starts past the end; `Content-Range: bytes */size`.' },
          ...member,
        },
      },
    },
    '/api/workspaces/{slug}/blobs/{sha256}/thumbnail': {
      get: {
        summary:
          'A WebP thumbnail (at most 320 px on the longer side) of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), made after upload or on first request.',
        parameters: path('slug', 'sha256'),
        responses: {
          '200': { description: '`image/webp`, inline.' },
          ...member,
          '404': error(
            '`not_found`: no such file in this workspace, not an image, or an image that cannot be decoded (or over 40 megapixels).',
          ),
        },
      },
    },
    '/api/workspaces/{slug}/snapshots': {
      get: {
        summary: 'List snapshots (time, trigger, author, label, size, document count).',
        parameters: path('slug'),
        responses: { '200': json('`{ snapshots }`.'), ...admin },
      },
      post: {
        summary: 'Take a manual snapshot with an optional label.',
        parameters: path('slug'),
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: { type: 'object', properties: { label: { type: 'string', maxLength: 120 } } },
            },
          },
        },
        responses: { '201': json('`{ snapshot }`.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}': {
      get: {
        summary: 'One snapshot with its contents (tickets and notices as they were).',
        parameters: path('slug', 'snapshotId'),
        responses: { '200': json('The snapshot.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}/diff': {
      get: {
        summary: 'What changed between the snapshot and now (added, removed, changed).',
        parameters: path('slug', 'snapshotId'),
        responses: { '200': json('The changes.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}/tickets/{ticketId}': {
      get: {
        summary: 'A ticket as it was in the snapshot (read-only).',
        parameters: path('slug', 'snapshotId', 'ticketId'),
        responses: { '200': json('The ticket.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}/notices/{noticeId}': {
      get: {
        summary: 'A notice as it was in the snapshot (read-only).',
        parameters: path('slug', 'snapshotId', 'noticeId'),
        responses: { '200': json('The notice.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}/restore': {
      post: {
        summary:
          'Restore the workspace, one ticket or one notice to the snapshot as a forward change; a pre-restore snapshot is taken first.',
        parameters: path('slug', 'snapshotId'),
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  { type: 'object', properties: { scope: { const: 'workspace' } } },
                  {
                    type: 'object',
                    properties: { scope: { const: 'ticket' }, ticketId: { type: 'string' } },
                  },
                  {
                    type: 'object',
                    properties: { scope: { const: 'notice' }, noticeId: { type: 'string' } },
                  },
                ],
              },
            },
          },
        },
        responses: { '200': json('The restore and its pre-restore snapshot.'), ...admin },
      },
    },
    '/api/workspaces/{slug}/snapshots/{snapshotId}/undo': {
      post: {
        summary:
          'Undo the restore this pre-restore snapshot was taken before, as a forward change: only what the restore changed, and only where nobody changed it since. Lists what was put back and what was left alone.',
        parameters: path('slug', 'snapshotId'),
        responses: {
          '200': json('`{ restoreOf, undone, leftAlone }`.'),
          ...admin,
          '409': error('`restore_already_undone`, `restore_not_undoable`.'),
        },
      },
    },
  },
};

type OpenApiOperation = { requestBody?: unknown; responses: Record<string, unknown> };

const bodyTooLarge = error(
  `\`payload_too_large\`: the body is over this route's limit (${DEFAULT_BODY_LIMIT_BYTES / 1024} KiB ` +
    'unless the route says otherwise); refused while reading, or at once from Content-Length.',
);

const fragments: readonly Fragment[] = [
  authOpenApi,
  workspacesOpenApi,
  termsOpenApi,
  usageOpenApi,
  searchOpenApi,
  deskOpenApi,
];

/** The server's REST API as one OpenAPI 3.1 document, merged from each module's fragment. */
export function buildOpenApiDocument(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  for (const fragment of fragments) {
    for (const [route, operations] of Object.entries(fragment.paths)) {
      paths[route] = { ...paths[route], ...operations };
    }
    Object.assign(schemas, fragment.components?.schemas ?? {});
  }
  // Every body is capped (http/bodyLimit): each operation that takes one can answer 413.
  for (const operations of Object.values(paths)) {
    for (const [method, operation] of Object.entries(operations) as [string, OpenApiOperation][]) {
      if (!operation.requestBody) continue;
      operations[method] = {
        ...operation,
        responses: { '413': bodyTooLarge, ...operation.responses },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Service Desk API',
      version: '1',
      description:
        'REST API for everything that is not in the Yjs documents. Browser sessions use the ' +
        'session cookie and must send an Origin matching the server; scripts use a personal ' +
        'access token as `Authorization: Bearer <token>`. Errors are `{ error: { code, message } }`.',
    },
    servers: [{ url: publicUrl }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'session' },
        token: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}

export function installOpenApi(app: Hono, ctx: ServerContext): void {
  const document = buildOpenApiDocument(ctx.config.PUBLIC_URL);
  app.get('/api/openapi.json', (c) => c.json(document));
}
