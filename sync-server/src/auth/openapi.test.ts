import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authOpenApi } from './openapi.ts';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const ours = (path: string) =>
  path.startsWith('/api/auth/') || path === '/api/security-reports' || path === '/api/mailbox';

describe('the OpenAPI fragment of the account routes', () => {
  it('describes every account route the server installs, and no other', () => {
    const installed = new Set(
      t.server.app.routes
        .filter((r) => ours(r.path) && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(authOpenApi.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      ),
    );
    expect(documented).toEqual(installed);
  });

  it('takes request bodies from the validating schemas', () => {
    const signup = authOpenApi.paths['/api/auth/signup'].post.requestBody.content[
      'application/json'
    ].schema as { required?: string[] };
    expect(signup.required).toEqual(
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
