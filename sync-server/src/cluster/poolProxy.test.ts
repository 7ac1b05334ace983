import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, isErrorBody, type ErrorBody } from '@desk/protocol';
import { NO_PROCESS_RETRY_AFTER_S, createPoolProxy } from './poolProxy.ts';
import { ReadyPool, type PoolTarget } from './ReadyPool.ts';

/**
 * A stand-in for one server process: a real HTTP server on a free port whose `/readyz`
 * answers 200 or 503 as told, every other request answered with its name, and WebSocket
 * upgrades accepted with its name as the first message. It can stop listening (the process
 * died) and listen again on the same port (restarted).
 */
class Backend {
  ready = true;
  /** Requests other than `/readyz`, as `METHOD /path`. */
  readonly hits: string[] = [];
  readonly server: http.Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  port = 0;

  constructor(readonly name: string) {
    this.server = http.createServer((req, res) => {
      if (req.url === '/readyz') {
        res.writeHead(this.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: this.ready ? 'ready' : 'migrations_pending' }));
        return;
      }
      this.hits.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => ws.send(name));
    });
  }

  get target(): PoolTarget {
    return { name: this.name, url: `http://127.0.0.1:${this.port}` };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops as a killed process does: its port refuses connections, open ones are cut. */
  async die(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const ws of this.#wss.clients) ws.terminate();
    await closed;
  }
}

interface Cluster {
  readonly a: Backend;
  readonly b: Backend;
  readonly pool: ReadyPool;
  readonly url: string;
  /** Targets in the pool (the objects the pool knows), by backend. */
  readonly targetOf: (backend: Backend) => PoolTarget;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function cluster(): Promise<Cluster> {
  const a = new Backend('a');
  const b = new Backend('b');
  await a.listen();
  await b.listen();
  const targets = [a.target, b.target];
  const pool = new ReadyPool(targets, { probeTimeoutMs: 2000 });
  const proxy = createPoolProxy(pool);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    pool.stop();
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    for (const backend of [a, b]) {
      if (backend.server.listening) await backend.die();
    }
  });
  return {
    a,
    b,
    pool,
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    targetOf: (backend) => targets[backend === a ? 0 : 1]!,
  };
}

async function errorOf(res: Response): Promise<ErrorBody> {
  const body: unknown = await res.json();
  if (!isErrorBody(body)) throw new Error(`not an error body: ${JSON.stringify(body)}`);
  return body;
}

async function whoAnswers(url: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(url, init);
  expect(res.status).toBe(200);
  return ((await res.json()) as { name: string }).name;
}

describe('the proxy of pnpm start:cluster, over the ready processes only', () => {
  it('takes turns between the processes that are ready', async () => {
    const { pool, url } = await cluster();
    await pool.probeAll();
    const answered = [];
    for (let i = 0; i < 4; i++) answered.push(await whoAnswers(`${url}/api/me`));
    expect(answered).toEqual(['a', 'b', 'a', 'b']);
  });

  it('sends nothing to a process whose /readyz does not answer 200', async () => {
    const { a, b, pool, url } = await cluster();
    b.ready = false;
    await pool.probeAll();
    for (let i = 0; i < 4; i++) expect(await whoAnswers(`${url}/api/me`)).toBe('a');
    expect(b.hits).toEqual([]);
    expect(a.hits).toHaveLength(4);
  });

  it('sends nothing before the first probe has found a process ready: 503 with Retry-After', async () => {
    const { a, b, url } = await cluster();
    const res = await fetch(`${url}/api/me`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(NO_PROCESS_RETRY_AFTER_S));
    const body = await errorOf(res);
    expect(body.error.code).toBe(ErrorCode.serverUnavailable);
    expect(body.error.retryAfter).toBe(NO_PROCESS_RETRY_AFTER_S);
    expect([...a.hits, ...b.hits]).toEqual([]);
  });

  it('takes a process it cannot reach out at once and sends the GET to another ready one', async () => {
    const { a, b, pool, url, targetOf } = await cluster();
    await pool.probeAll();
    await b.die();
    // a, then b (down: marked at once, the GET retried on a), then a again: no probe ran.
    for (let i = 0; i < 3; i++) expect(await whoAnswers(`${url}/tickets`)).toBe('a');
    expect(pool.isReady(targetOf(b))).toBe(false);
    expect(a.hits).toEqual(['GET /tickets', 'GET /tickets', 'GET /tickets']);
  });

  it('sets X-Forwarded-For once on a retried request', async () => {
    const { b, pool, url } = await cluster();
    await pool.probeAll();
    await whoAnswers(`${url}/first`); // a's turn: the next one is b's
    await b.die();
    const res = await fetch(`${url}/again`);
    expect(await res.json()).toEqual({ name: 'a', forwardedFor: '127.0.0.1' });
  });

  it('never sends a POST again: the client is told to retry and the process is out', async () => {
    const { a, b, pool, url, targetOf } = await cluster();
    await pool.probeAll();
    expect(await whoAnswers(`${url}/tickets`, { method: 'POST', body: '{}' })).toBe('a');
    await b.die();
    // b's turn: refused (nothing reached it), so 503 with Retry-After — the client decides.
    const res = await fetch(`${url}/tickets`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(NO_PROCESS_RETRY_AFTER_S));
    expect((await errorOf(res)).error.code).toBe(ErrorCode.serverUnavailable);
    expect(a.hits).toEqual(['POST /tickets']);
    expect(pool.isReady(targetOf(b))).toBe(false);
  });

  it('uses a process again once a probe finds it ready after a restart', async () => {
    const { b, pool, url } = await cluster();
    await pool.probeAll();
    await b.die();
    await pool.probeAll();
    for (let i = 0; i < 2; i++) expect(await whoAnswers(`${url}/x`)).toBe('a');
    await b.listen(); // the same port, as the restarted process
    await pool.probeAll();
    const answered = [];
    for (let i = 0; i < 4; i++) answered.push(await whoAnswers(`${url}/x`));
    expect(answered.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('answers 503 with Retry-After when every process is down, and again once one is back', async () => {
    const { a, b, pool, url } = await cluster();
    await pool.probeAll();
    await a.die();
    await b.die();
    const res = await fetch(`${url}/tickets`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(NO_PROCESS_RETRY_AFTER_S));
    expect((await errorOf(res)).error.code).toBe(ErrorCode.serverUnavailable);
    await a.listen();
    await pool.probeAll();
    expect(await whoAnswers(`${url}/tickets`)).toBe('a');
  });

  it('hands WebSocket upgrades to ready processes only, and refuses them with 503 when none is', async () => {
    const { b, pool, url } = await cluster();
    b.ready = false;
    await pool.probeAll();
    const wsUrl = `${url.replace('http', 'ws')}/sync`;
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(wsUrl);
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data) => resolve(String(data)));
        ws.once('error', reject);
      });
      ws.close();
      expect(first).toBe('a');
    }
    pool.markDown(pool.targets[0]!, 'test: the only ready process stopped');
    const refused = new WebSocket(wsUrl);
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(503);
  });
});
