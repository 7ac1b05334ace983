import type { Hono } from 'hono';
import { Liveness, NotReady, Readiness } from '@desk/protocol/rest';
import { announcementRoutes } from '../announcements/openapi.ts';
import { authRoutes } from '../auth/openapi.ts';
import { billingRoutes } from '../billing/openapi.ts';
import { blobRoutes } from '../blobs/openapi.ts';
import { exportRoutes } from '../exports/openapi.ts';
import { deletionRoutes } from '../deletion/openapi.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { operatorRoutes } from '../operator/openapi.ts';
import type { ServerContext } from '../ServerContext.ts';
import { searchRoutes } from '../search/openapi.ts';
import { snapshotRoutes } from '../snapshots/openapi.ts';
import { supportRoutes } from '../support/openapi.ts';
import { moderationRoutes } from '../moderation/openapi.ts';
import { termsRoutes } from '../terms/openapi.ts';
import { ticketRoutes } from '../tickets/openapi.ts';
import { usageRoutes } from '../usage/openapi.ts';
import { workspaceRoutes } from '../workspaces/openapi.ts';
import { DEFAULT_BODY_LIMIT_BYTES } from '../http/bodyLimit/index.ts';
import { buildDocument } from '../http/openapi/buildDocument.ts';
import { ok, raw, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** Health checks and this document. */
const serviceRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is up.',
    auth: 'public',
    responses: { 200: ok('Up.', Liveness) },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Database open and migrated, not shutting down.',
    auth: 'public',
    responses: { 200: ok('Ready.', Readiness), 503: ok('Not ready, with the reason.', NotReady) },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document.',
    auth: 'public',
    responses: { 200: raw('OpenAPI 3.1.', 'application/json') },
  },
];

/**
 * Every REST route of the server, one table per module (beside its routes). A route the
 * app installs without a row here fails `openApiDocument.test.ts`; one whose answers differ from
 * its schemas fails test/reliability/openApiConformance.test.ts.
 */
export const routeTables: readonly (readonly RouteDoc[])[] = [
  serviceRoutes,
  authRoutes,
  workspaceRoutes,
  deletionRoutes,
  operatorRoutes,
  billingRoutes,
  termsRoutes,
  announcementRoutes,
  ticketRoutes,
  blobRoutes,
  snapshotRoutes,
  exportRoutes,
  usageRoutes,
  searchRoutes,
  supportRoutes,
  moderationRoutes,
];

/** The server's REST API as one OpenAPI 3.1 document, generated from the route tables. */
export function buildOpenApiDocument(publicUrl: string): Record<string, unknown> {
  return buildDocument(routeTables, {
    publicUrl,
    sessionCookie: SESSION_COOKIE,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  });
}

export function installOpenApi(app: Hono, ctx: ServerContext): void {
  // Built on the first request, not at start: converting every schema costs memory an idle
  // server should not hold (issue 13's idle-RSS target); the tables cannot change at run time.
  let document: Record<string, unknown> | null = null;
  app.get('/api/openapi.json', (c) =>
    c.json((document ??= buildOpenApiDocument(ctx.config.PUBLIC_URL))),
  );
}
