import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingRoutes } from '../billing/openapi.ts';
import { buildOpenApiDocument } from '../openapi/openApiDocument.ts';
import { operatorRoutes } from '../operator/openapi.ts';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { workspaceRoutes } from './openapi.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

/** These tables' routes; other modules document their own `/api/workspaces/:slug/…` routes. */
const ours = (path: string) =>
  (path.startsWith('/api/workspaces') &&
    !/^\/api\/workspaces\/:slug\/(?!seats|audit|members|transfer-ownership|invitations)[^/]+/.test(
      path,
    )) ||
  path.startsWith('/api/invitations/') ||
  // Terms, announcements, support grants, deletions and moderation cases document their
  // operator routes in their own modules' tables (terms/, announcements/, support/,
  // deletion/, moderation/).
  (path.startsWith('/api/operator/') &&
    !/^\/api\/operator\/(terms|announcements|support-grants|deletions|cases)/.test(path)) ||
  path === '/api/host' ||
  path === '/api/billing/webhook';

describe('the route tables of the workspace, billing and operator routes', () => {
  it('describe every such route the server installs, and no other', () => {
    const installed = new Set(
      t.server.app.routes
        .filter((r) => ours(r.path) && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      [...workspaceRoutes, ...operatorRoutes, ...billingRoutes].map((r) => `${r.method} ${r.path}`),
    );
    expect(documented).toEqual(installed);
  });

  it('document request bodies from the validating schemas', () => {
    const document = buildOpenApiDocument('http://desk.test') as {
      components: {
        schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
      };
    };
    const accept = document.components.schemas.AcceptInvitationRequest;
    expect(accept?.required).toEqual(['token']);
    expect(Object.keys(accept?.properties ?? {})).toEqual(
      expect.arrayContaining(['token', 'displayName', 'password', 'acceptTerms']),
    );
  });
});
