import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { slugFromHost } from './hostRouting.ts';

describe('slugFromHost', () => {
  it('reads the workspace from <slug>.<BASE_DOMAIN>, ignoring the port', () => {
    expect(slugFromHost('acme.desk.example.com', 'desk.example.com')).toBe('acme');
    expect(slugFromHost('ACME.Desk.Example.com:443', 'desk.example.com')).toBe('acme');
  });

  it('matches the port too when BASE_DOMAIN names one', () => {
    expect(slugFromHost('acme.localtest.me:3000', 'localtest.me:3000')).toBe('acme');
    expect(slugFromHost('acme.localtest.me:4000', 'localtest.me:3000')).toBeNull();
  });

  it('gives null for the base domain itself, reserved names, nested labels and other hosts', () => {
    expect(slugFromHost('desk.example.com', 'desk.example.com')).toBeNull();
    expect(slugFromHost('www.desk.example.com', 'desk.example.com')).toBeNull();
    expect(slugFromHost('api.desk.example.com', 'desk.example.com')).toBeNull();
    expect(slugFromHost('a.b.desk.example.com', 'desk.example.com')).toBeNull();
    expect(slugFromHost('acme.evil.com', 'desk.example.com')).toBeNull();
    expect(slugFromHost('acme.desk.example.com', undefined)).toBeNull();
  });
});

/** fetch() will not send a custom Host header; node:http will. */
function get(
  url: string,
  host: string,
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }),
      );
    });
    req.on('error', reject);
  });
}

describe('workspace hosts', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer({ BASE_DOMAIN: 'desk.test' });
  });
  afterAll(() => t.close());

  it('sends the root of a workspace host to that workspace’s pages and tells the app its slug', async () => {
    const root = await get(`${t.server.url}/`, 'acme.desk.test');
    expect(root.status).toBe(302);
    expect(root.location).toBe('/w/acme');
    const host = await get(`${t.server.url}/api/host`, 'acme.desk.test');
    expect(JSON.parse(host.body)).toEqual({ baseDomain: 'desk.test', workspaceSlug: 'acme' });
  });

  it('leaves the base domain alone', async () => {
    const root = await get(`${t.server.url}/`, 'desk.test');
    expect(root.status).not.toBe(302);
    const host = await get(`${t.server.url}/api/host`, 'desk.test');
    expect(JSON.parse(host.body)).toEqual({ baseDomain: 'desk.test', workspaceSlug: null });
  });
});
