import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../log/logger.ts';
import { requestLog } from './index.ts';

function logged() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const app = new Hono();
  app.use(requestId());
  app.use(requestLog(log));
  app.get('/yjs/:docId', (c) => c.text('ok'));
  app.get('/broken', (c) => c.text('no', 503));
  return { app, lines };
}

describe('requestLog', () => {
  it('writes one line per request: id, method, path, status and duration', async () => {
    const { app, lines } = logged();
    await app.request('/yjs/ws1:index', { headers: { 'x-request-id': 'req-7' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'request',
      requestId: 'req-7',
      method: 'GET',
      path: '/yjs/ws1:index',
      status: 200,
    });
    expect(typeof lines[0]!.ms).toBe('number');
  });

  it('never logs the query string: the y-websocket endpoint carries access tokens there', async () => {
    const { app, lines } = logged();
    await app.request('/yjs/ws1:index?token=dsk_secret_value');
    expect(JSON.stringify(lines)).not.toContain('dsk_secret_value');
    expect(lines[0]).toMatchObject({ path: '/yjs/ws1:index' });
  });

  it('logs a 5xx answer as an error', async () => {
    const { app, lines } = logged();
    await app.request('/broken');
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request failed', status: 503 });
  });
});
