import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '@desk/protocol';
import { SESSION_COOKIE } from '../../sync-server/src/identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../../sync-server/src/testing/authTestServer.ts';
import { AuthzWorld, type Credential } from './authz/authzWorld.ts';
import { fillPath, yjsOutcome } from './authz/cells.ts';
import { installedRoutes, stateChanging } from './authz/routeTable.ts';
import { TestSyncClient } from '../support/sync/TestSyncClient.ts';

/**
 * Web security from a hostile site's point of view (issue 12): CSRF on every state-changing
 * route of the route table, cross-site WebSocket hijacking on both socket endpoints, session
 * fixation, cookie flags and the security headers. Stored XSS is in xssBrowser.test.ts.
 */

/**
 * Routes that prove the sender another way than a cookie, so no Origin is asked of them: the
 * signed billing webhook, and the one-click opt-out a mail provider POSTs (RFC 8058), which
 * only the signed token of the message authorises and which can only opt its user out.
 */
const ORIGIN_EXEMPT = new Set([
  'POST /api/billing/webhook',
  'POST /api/auth/announcements/one-click',
]);

/** Origins a cross-site request can arrive with: another site, a lookalike, sandboxed, none. */
const FOREIGN_ORIGINS: readonly (string | null)[] = [
  'https://evil.example',
  `${TEST_PUBLIC_URL}.evil.example`,
  'null',
  null,
];

let t: AuthTestServer;
let world: AuthzWorld;
beforeAll(async () => {
  t = await startAuthTestServer();
  world = await AuthzWorld.build(t);
});
afterAll(() => t.close());

function cookieOf(credential: Credential): string {
  if (credential.kind !== 'session') throw new Error('a session identity was expected');
  return `${SESSION_COOKIE}=${credential.token}`;
}

describe('cross-site request forgery', () => {
  it("refuses every state-changing route with the owner's cookie from a foreign or missing Origin (403 foreign_origin)", async () => {
    const routes = stateChanging(installedRoutes(t.server.app));
    expect(routes.length).toBeGreaterThan(30);
    const refused: string[] = [];
    const through: string[] = [];
    for (const route of routes) {
      if (ORIGIN_EXEMPT.has(route.key)) continue;
      for (const origin of FOREIGN_ORIGINS) {
        await world.refreshCredentials();
        const path = await fillPath(world, route);
        const response = await fetch(t.server.url + path, {
          method: route.method,
          headers: {
            cookie: cookieOf(world.credential('owner')),
            'content-type': 'application/json',
            ...(origin === null ? {} : { origin }),
          },
          body: route.method === 'DELETE' ? null : '{}',
        });
        const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
        const cell = `${route.key} from ${origin ?? 'no Origin'}`;
        if (response.status === 403 && body.error?.code === ErrorCode.foreignOrigin) {
          refused.push(cell);
        } else {
          through.push(`${cell}: ${response.status}`);
        }
      }
    }
    expect(through).toEqual([]);
    expect(refused.length).toBe((routes.length - ORIGIN_EXEMPT.size) * FOREIGN_ORIGINS.length);
  });

  it('lets the same requests through from our own Origin (the refusal above is about the Origin)', async () => {
    await world.refreshCredentials();
    const response = await fetch(`${t.server.url}/api/workspaces/${world.target.slug}/snapshots`, {
      method: 'POST',
      headers: {
        cookie: cookieOf(world.credential('owner')),
        origin: TEST_PUBLIC_URL,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(response.status).toBe(201);
  });
});

describe('cross-site WebSocket hijacking', () => {
  it("closes /sync opened with a member's cookie from a foreign or missing Origin with 4403", async () => {
    for (const origin of ['https://evil.example', undefined]) {
      await world.refreshCredentials();
      const client = await TestSyncClient.connect(t.server.url, {
        cookie: cookieOf(world.credential('owner')),
        ...(origin ? { origin } : {}),
      });
      expect((await client.closed).code).toBe(CloseCode.foreignOrigin);
    }
  });

  it("closes /yjs/:docId opened with a member's cookie from a foreign Origin with 4403", async () => {
    await world.refreshCredentials();
    const credential = world.credential('owner');
    // yjsOutcome sends our Origin; the same cookie from another site:
    const { default: WebSocket } = await import('ws');
    const url = `${t.server.url.replace(/^http/, 'ws')}/yjs/${world.target.id}:index`;
    for (const origin of ['https://evil.example', undefined]) {
      const ws = new WebSocket(url, {
        headers: { cookie: cookieOf(credential) },
        ...(origin ? { origin } : {}),
      });
      ws.on('error', () => {});
      const code = await new Promise<number>((resolve) => {
        ws.once('message', () => resolve(0));
        ws.once('close', (c) => resolve(c));
      });
      ws.terminate();
      expect(code).toBe(CloseCode.foreignOrigin);
    }
    // And the same cookie from our own origin syncs.
    expect(await yjsOutcome(world, credential)).toBe('synced');
  });
});

describe('session fixation', () => {
  it('a session cookie planted before login is not the one after it, and keeps no power', async () => {
    const victim = await signUp(t);
    const attacker = await signUp(t);
    const planted = attacker.client.sessionToken!;
    for (const before of [planted, 'attacker-chosen-value']) {
      const response = await fetch(`${t.server.url}/api/auth/login`, {
        method: 'POST',
        headers: {
          origin: TEST_PUBLIC_URL,
          'content-type': 'application/json',
          cookie: `${SESSION_COOKIE}=${before}`,
        },
        body: JSON.stringify({ email: victim.email, password: STRONG_PASSWORD }),
      });
      expect(response.status).toBe(200);
      const set = response.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`) && !/Max-Age=0/i.test(c));
      const after = /^desk_session=([^;]*)/.exec(set ?? '')?.[1];
      expect(after).toBeTruthy();
      expect(after).not.toBe(before);
      // The planted cookie is still (only) the attacker's: login did not lift it to the victim.
      const me = await fetch(`${t.server.url}/api/auth/me`, {
        headers: { cookie: `${SESSION_COOKIE}=${before}` },
      });
      const body = (await me.json()) as { user?: { id: string } };
      if (before === planted) expect(body.user?.id).toBe(attacker.userId);
      else expect(me.status).toBe(401);
    }
  });
});

/** The attributes of the Set-Cookie header named `name` (lower-cased, without the value). */
function cookieAttributes(response: Response, name: string): Map<string, string> {
  const header = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!header) throw new Error(`no ${name} cookie set`);
  const [, ...parts] = header.split(';');
  return new Map(
    parts.map((part) => {
      const [key = '', value = ''] = part.trim().split('=');
      return [key.toLowerCase(), value];
    }),
  );
}

async function login(server: AuthTestServer, email: string): Promise<Response> {
  return fetch(`${server.server.url}/api/auth/login`, {
    method: 'POST',
    headers: {
      origin: new URL(server.server.ctx.config.PUBLIC_URL).origin,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ email, password: STRONG_PASSWORD }),
  });
}

describe('cookie flags', () => {
  it('the session cookie is HttpOnly, SameSite=Lax, Path=/, expiring, and not Secure on an http PUBLIC_URL', async () => {
    const user = await signUp(t);
    const response = await login(t, user.email);
    const flags = cookieAttributes(response, SESSION_COOKIE);
    expect(flags.has('httponly')).toBe(true);
    expect(flags.get('samesite')).toBe('Lax');
    expect(flags.get('path')).toBe('/');
    expect(flags.has('expires') || flags.has('max-age')).toBe(true);
    expect(flags.has('secure')).toBe(false);
    const device = cookieAttributes(response, 'desk_device');
    expect(device.has('httponly')).toBe(true);
    expect(device.get('path')).toBe('/api/auth/login');
  });

  it('with an https PUBLIC_URL both cookies are Secure, and HSTS is sent', async () => {
    const https = await startAuthTestServer({ PUBLIC_URL: 'https://desk.test' });
    try {
      const user = await signUp(https);
      const response = await login(https, user.email);
      expect(response.status).toBe(200);
      expect(cookieAttributes(response, SESSION_COOKIE).has('secure')).toBe(true);
      expect(cookieAttributes(response, 'desk_device').has('secure')).toBe(true);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    } finally {
      await https.close();
    }
  });
});

describe('security headers', () => {
  it('are on API answers, errors and unknown paths alike: strict CSP, nosniff, Referrer-Policy, no HSTS on http', async () => {
    const responses = await Promise.all(
      [
        '/api/openapi.json',
        '/api/auth/me',
        '/api/workspaces/nope',
        '/no/such/page',
        '/healthz',
      ].map((path) => fetch(t.server.url + path)),
    );
    for (const response of responses) {
      await response.arrayBuffer();
      const csp = response.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name = '', ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives.get('script-src')).toContain("'self'");
      expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
      expect(directives.get('script-src')).not.toContain("'unsafe-eval'");
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(
        directives
          .get('connect-src')
          ?.every(
            (s) => s === "'self'" || /^wss?:\/\/(desk\.test|127\.0\.0\.1|localhost)\b/.test(s),
          ),
      ).toBe(true);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBeTruthy();
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });
});
