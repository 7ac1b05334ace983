import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../openapi/openApiDocument.ts';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { authRoutes } from './openapi.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

/**
 * The account routes. The announcement preferences live under /api/auth/ too (so a user who
 * has not accepted new terms can still opt out) but are described by their own module's table.
 */
const ours = (path: string) =>
  (path.startsWith('/api/auth/') && !path.startsWith('/api/auth/announcements')) ||
  path === '/api/security-reports' ||
  path === '/api/mailbox';

describe('the route table of the account routes', () => {
  it('describes every account route the server installs, and no other', () => {
    const installed = new Set(
      t.server.app.routes
        .filter((r) => ours(r.path) && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(authRoutes.map((r) => `${r.method} ${r.path}`));
    expect(documented).toEqual(installed);
  });

  it('documents request bodies from the validating schemas', () => {
    const document = buildOpenApiDocument('http://desk.test') as {
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(document.components.schemas.SignupRequest?.required).toEqual(
      expect.arrayContaining([
        'email',
        'password',
        'displayName',
        'customer',
        'workspace',
        'acceptTerms',
      ]),
    );
  });
});
