import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { workspacesOpenApi } from './openapi.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

/** This fragment's routes; other modules document their own `/api/workspaces/:slug/…` routes. */
const ours = (path: string) =>
  (path.startsWith('/api/workspaces') &&
    !path.includes('/snapshots') &&
    !path.includes('/ticket-numbers') &&
    !/^\/api\/workspaces\/:slug\/(?!seats|audit|members|transfer-ownership|invitations)[^/]+/.test(
      path,
    )) ||
  path.startsWith('/api/invitations/') ||
  // terms/openapi.ts documents the operator's terms routes with the rest of terms.
  (path.startsWith('/api/operator/') && !path.startsWith('/api/operator/terms')) ||
  path === '/api/host' ||
  path === '/api/billing/webhook';

describe('the OpenAPI fragment of the workspace, billing and operator routes', () => {
  it('describes every such route the server installs, and no other', () => {
    const installed = new Set(
      t.server.app.routes
        .filter((r) => ours(r.path) && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(workspacesOpenApi.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      ),
    );
    expect(documented).toEqual(installed);
  });

  it('takes request bodies from the validating schemas', () => {
    const requestBody = workspacesOpenApi.paths['/api/invitations/accept'].post.requestBody as {
      content: { 'application/json': { schema: unknown } };
    };
    const accept = requestBody.content['application/json'].schema as {
      required?: string[];
      properties?: Record<string, unknown>;
    };
    expect(accept.required).toEqual(['token']);
    expect(Object.keys(accept.properties ?? {})).toEqual(
      expect.arrayContaining(['token', 'displayName', 'password', 'acceptTerms']),
    );
  });
});
