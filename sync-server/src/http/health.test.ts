import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';

describe('health endpoints', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let server: RunningServer;

  beforeEach(async () => {
    temp = makeTempDir();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: temp.dir });
    server = await createServer(config, createLogger('silent'));
  });
  afterEach(async () => {
    await server.stop();
    temp.remove();
  });

  it('answers /healthz while the process is up', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with the schema version once migrations are applied', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  it('reports not ready once shutdown has begun', async () => {
    const ready = server.ctx.shutdown;
    // Start shutdown without awaiting, then ask through the app directly (the listener is closing).
    const stopping = ready.run();
    const response = await server.app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'shutting_down' });
    await stopping;
  });

  it('answers unknown API routes with a typed JSON 404, not the web app', async () => {
    const response = await fetch(`${server.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
