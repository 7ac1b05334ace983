import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientInfo, isLoopback } from './index.ts';

describe('clientInfo', () => {
  const app = new Hono();
  app.get('/who', (c) => c.json(clientInfo(c)));
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(s as Server),
      ) as Server;
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reports the TCP peer and the user agent of a real connection', async () => {
    const response = await fetch(`${url}/who`, { headers: { 'user-agent': 'DeskTest/1.0' } });
    expect(await response.json()).toEqual({ ip: '127.0.0.1', userAgent: 'DeskTest/1.0' });
  });

  it('ignores X-Forwarded-For: without a trusted proxy it is whatever the client says', async () => {
    const response = await fetch(`${url}/who`, {
      headers: { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'DeskTest/1.0' },
    });
    expect(((await response.json()) as { ip: string }).ip).toBe('127.0.0.1');
  });

  it('records nothing for a request without a socket (app.request in-process)', async () => {
    const response = await app.request('/who');
    expect(await response.json()).toEqual({ ip: null, userAgent: null });
  });
});

describe('isLoopback', () => {
  it('knows IPv4 127.0.0.0/8 and IPv6 ::1, nothing else', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback(null)).toBe(false);
  });
});
