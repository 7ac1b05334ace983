import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../../testing/authTestServer.ts';
import { BILLING_WEBHOOK_PATH, WEBHOOK_BODY_LIMIT_BYTES } from '../../billing/billingWebhook.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../billing/webhookSignature.ts';
import { createLogger } from '../../log/logger.ts';
import { errorHandler } from '../errorHandler/index.ts';
import { bodyLimit, DEFAULT_BODY_LIMIT_BYTES } from './index.ts';

const KiB = 1024;

interface Sent {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  /** Bytes of body the client had written when the response arrived. */
  readonly bytesWrittenBeforeResponse: number;
  /** Whether the client had finished its request (sent the last chunk) by then. */
  readonly requestFinishedBeforeResponse: boolean;
}

/**
 * Sends `total` bytes of body in 16 KiB chunks, each only after the previous one was handed
 * to the socket, and stops as soon as the response arrives. With `chunked`, no Content-Length
 * is sent, so the server can only know the size by counting what it reads.
 */
function send(
  baseUrl: string,
  path: string,
  options: {
    total: number;
    declaredLength?: number;
    headers?: Record<string, string>;
    body?: Buffer;
  },
): Promise<Sent> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  if (options.declaredLength !== undefined) headers['content-length'] = options.declaredLength;
  else headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false });
    let written = 0;
    let finished = false;
    let responded = false;
    req.on('error', (err) => {
      // Once the 413 is in, the server may close while we are still writing: that is the point.
      if (!responded) reject(err);
    });
    req.on('response', (res) => {
      responded = true;
      const seen = { written, finished };
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
          bytesWrittenBeforeResponse: seen.written,
          requestFinishedBeforeResponse: seen.finished,
        });
      });
    });
    const filler = Buffer.alloc(16 * KiB, 0x20); // spaces: valid JSON padding
    const body = options.body;
    const writeNext = () => {
      if (responded || req.destroyed) return;
      if (body) {
        req.end(body, () => (finished = true));
        written = body.length;
        return;
      }
      if (written >= options.total) {
        req.end(() => (finished = true));
        return;
      }
      const chunk = filler.subarray(0, Math.min(filler.length, options.total - written));
      written += chunk.length;
      req.write(chunk, () => setImmediate(writeNext));
    };
    if (options.total === 0 && !body) req.flushHeaders();
    else writeNext();
  });
}

/** A JSON body of exactly `size` bytes: `{"pad":"   …"}`. */
function jsonOfSize(size: number, fields: Record<string, unknown> = {}): Buffer {
  const head = JSON.stringify({ ...fields, pad: '' });
  const pad = ' '.repeat(size - head.length);
  return Buffer.from(JSON.stringify({ ...fields, pad }));
}

describe('bodyLimit middleware', () => {
  let server: http.Server;
  let baseUrl = '';
  const readBytes: Record<string, number> = {};

  beforeAll(async () => {
    const app = new Hono();
    app.onError(errorHandler(createLogger('silent')));
    app.use(bodyLimit({ maxBytes: 4 * KiB }));
    const echo = (route: string) => async (c: import('hono').Context) => {
      const text = await c.req.text();
      readBytes[route] = text.length;
      return c.json({ bytes: text.length });
    };
    app.post('/default', echo('default'));
    app.post('/raised', bodyLimit({ maxBytes: 64 * KiB }), echo('raised'));
    // A middleware that awaits before the route's limit, as the auth middleware awaits the
    // session store: the body must not start streaming (and fix the budget) meanwhile.
    app.post(
      '/raised-after-await',
      async (_c, next) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await next();
      },
      bodyLimit({ maxBytes: 64 * KiB }),
      echo('raised-after-await'),
    );
    app.post('/lowered', bodyLimit({ maxBytes: 1 * KiB }), echo('lowered'));
    app.post('/unread', (c) => c.json({ ignored: true }, 401));
    server = await new Promise<http.Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(s as http.Server),
      ) as http.Server;
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  it('passes a body within the limit to the route, whole', async () => {
    const res = await send(baseUrl, '/default', { total: 4 * KiB });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ bytes: 4 * KiB });
  });

  it('refuses a chunked body one byte over the limit with 413 payload_too_large', async () => {
    const res = await send(baseUrl, '/default', { total: 4 * KiB + 1 });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
  });

  it('answers an endless chunked body while the client is still sending, and closes the connection', async () => {
    // 256 MiB is what the attack sent; the answer must come long before that.
    const res = await send(baseUrl, '/default', { total: 256 * 1024 * KiB });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
    expect(res.requestFinishedBeforeResponse).toBe(false);
    expect(res.bytesWrittenBeforeResponse).toBeLessThan(256 * 1024 * KiB);
    expect(res.headers.connection).toBe('close');
  });

  it('refuses a Content-Length over the limit before reading any of the body', async () => {
    // Nothing is sent after the headers: a 413 can only come from the declared length.
    const res = await send(baseUrl, '/default', { total: 0, declaredLength: 256 * 1024 * KiB });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
    expect(res.bytesWrittenBeforeResponse).toBe(0);
    expect(res.headers.connection).toBe('close');
  });

  it('lets a route raise the app-wide default', async () => {
    expect((await send(baseUrl, '/raised', { total: 32 * KiB })).body).toEqual({
      bytes: 32 * KiB,
    });
    expect((await send(baseUrl, '/raised', { total: 64 * KiB + 1 })).status).toBe(413);
  });

  it('lets a route raise the default after an earlier middleware awaited', async () => {
    expect((await send(baseUrl, '/raised-after-await', { total: 32 * KiB })).body).toEqual({
      bytes: 32 * KiB,
    });
    expect((await send(baseUrl, '/raised-after-await', { total: 64 * KiB + 1 })).status).toBe(413);
  });

  it('lets a route lower the app-wide default', async () => {
    expect((await send(baseUrl, '/lowered', { total: 1 * KiB })).status).toBe(200);
    expect((await send(baseUrl, '/lowered', { total: 2 * KiB })).status).toBe(413);
  });

  it('leaves the answer of a route that never reads the body as it is', async () => {
    const res = await send(baseUrl, '/unread', { total: 0, declaredLength: 1024 * KiB });
    expect(res.status).toBe(401);
  });
});

describe('body limits of the server routes', () => {
  const secret = 'test-webhook-secret-body-limit';
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer({ BILLING_WEBHOOK_SECRET: secret });
  });
  afterAll(() => t.close());

  const origin = { origin: TEST_PUBLIC_URL };

  it('refuses an anonymous login with an endless chunked body before it is sent', async () => {
    const res = await send(t.server.url, '/api/auth/login', {
      total: 256 * 1024 * KiB,
      headers: origin,
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
    expect(res.requestFinishedBeforeResponse).toBe(false);
  });

  it('refuses a login declaring a 256 MiB body up front', async () => {
    const res = await send(t.server.url, '/api/auth/login', {
      total: 0,
      declaredLength: 256 * 1024 * KiB,
      headers: origin,
    });
    expect(res.status).toBe(413);
    expect(res.bytesWrittenBeforeResponse).toBe(0);
  });

  it('still logs in with a normal body', async () => {
    const owner = await signUp(t);
    const body = Buffer.from(JSON.stringify({ email: owner.email, password: owner.password }));
    const res = await send(t.server.url, '/api/auth/login', {
      total: body.length,
      body,
      headers: origin,
    });
    expect(res.status).toBe(200);
  });

  it('holds a workspace route to the default: a rename works, a padded one is refused', async () => {
    const owner = await signUp(t);
    const ok = await owner.client.patch(`/api/workspaces/${owner.slug}`, { name: 'Renamed' });
    expect(ok.status).toBe(200);
    const padded = await owner.client.patch(`/api/workspaces/${owner.slug}`, {
      name: 'Renamed',
      pad: ' '.repeat(DEFAULT_BODY_LIMIT_BYTES),
    });
    expect(padded.status).toBe(413);
    expect(padded.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
  });

  it('gives the billing webhook its own larger limit, and holds it there', async () => {
    const owner = await signUp(t);
    const deliver = (size: number) => {
      const body = jsonOfSize(size, {
        id: `evt_limit_${size}`,
        type: 'subscription.activated',
        data: { workspaceId: owner.workspaceId, planId: 'team' },
      });
      const signature = signatureHeader(
        secret,
        Math.floor(t.clock.now / 1000),
        body.toString('utf8'),
      );
      return send(t.server.url, BILLING_WEBHOOK_PATH, {
        total: body.length,
        body,
        headers: { [SIGNATURE_HEADER]: signature },
      });
    };
    // Over the app-wide default, within the webhook's own.
    expect((await deliver(DEFAULT_BODY_LIMIT_BYTES + 1024)).status).toBe(200);
    const over = await deliver(WEBHOOK_BODY_LIMIT_BYTES + 1);
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ error: { code: ErrorCode.payloadTooLarge } });
  });
});
