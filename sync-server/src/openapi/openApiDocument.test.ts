import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';

describe('the OpenAPI document', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    temp = makeTempDir();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: temp.dir });
    server = await createServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server.stop();
    temp.remove();
  });

  it('is served at /api/openapi.json and describes every REST route the server installs', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, object> };
    expect(document.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      ),
    );
    const installed = server.app.routes
      .filter((r) => (r.path.startsWith('/api/') || r.path.endsWith('z')) && r.method !== 'ALL')
      .filter((r) => !r.path.endsWith('*'))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const missing = [...new Set(installed)].filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('documents 413 payload_too_large on every operation that takes a body', async () => {
    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: object }>>;
    };
    const withBody = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.requestBody)
        .map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
    );
    expect(withBody.length).toBeGreaterThan(10);
    expect(withBody.filter(({ operation }) => !('413' in operation.responses))).toEqual([]);
  });

  it('resolves every schema reference', async () => {
    const text = await (await fetch(`${server.url}/api/openapi.json`)).text();
    const document = JSON.parse(text) as { components: { schemas: Record<string, unknown> } };
    const refs = [...text.matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.filter((name) => !(name in document.components.schemas))).toEqual([]);
  });
});
