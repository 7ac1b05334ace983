import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { authenticateUpgrade } from './authenticateUpgrade.ts';
import { isAuthFailure } from './AuthContext.ts';
import { SESSION_COOKIE } from './sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

describe('authenticateUpgrade (WebSocket handshakes)', () => {
  it('accepts a session cookie with our Origin', async () => {
    const owner = await signUp(t);
    const result = await authenticateUpgrade(t.server.services, {
      cookieHeader: `other=1; ${SESSION_COOKIE}=${owner.client.sessionToken}`,
      origin: TEST_PUBLIC_URL,
      token: undefined,
    });
    expect(isAuthFailure(result)).toBe(false);
    expect(result).toMatchObject({
      user: { id: owner.userId },
      token: null,
      session: { id: expect.any(String) },
    });
  });

  it('refuses a session cookie from a foreign or missing Origin (cross-site WebSocket hijacking)', async () => {
    const owner = await signUp(t);
    for (const origin of ['https://evil.example', undefined]) {
      const result = await authenticateUpgrade(t.server.services, {
        cookieHeader: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        origin,
        token: undefined,
      });
      expect(result).toMatchObject({ failure: ErrorCode.foreignOrigin });
    }
  });

  it('refuses an ended session and a missing cookie', async () => {
    const owner = await signUp(t);
    const token = owner.client.sessionToken;
    await owner.client.post('/api/auth/logout');
    const ended = await authenticateUpgrade(t.server.services, {
      cookieHeader: `${SESSION_COOKIE}=${token}`,
      origin: TEST_PUBLIC_URL,
      token: undefined,
    });
    expect(ended).toMatchObject({ failure: ErrorCode.sessionExpired });
    const none = await authenticateUpgrade(t.server.services, {
      cookieHeader: undefined,
      origin: TEST_PUBLIC_URL,
      token: undefined,
    });
    expect(none).toMatchObject({ failure: ErrorCode.unauthenticated });
  });

  it('accepts a query token from any origin, scoped to its workspace, and refuses a bad one', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'y-websocket',
      workspaceId: owner.workspaceId,
    });
    const ok = await authenticateUpgrade(t.server.services, {
      cookieHeader: undefined,
      origin: undefined,
      token: created.body.token,
    });
    expect(ok).toMatchObject({ session: null, token: { workspaceId: owner.workspaceId } });
    const bad = await authenticateUpgrade(t.server.services, {
      cookieHeader: undefined,
      origin: undefined,
      token: 'desk_pat_wrong',
    });
    expect(bad).toMatchObject({ failure: ErrorCode.tokenInvalid });
  });

  it('refuses a suspended user', async () => {
    const owner = await signUp(t);
    t.server.ctx.db.prepare(`UPDATE users SET status = 'suspended' WHERE id = ?`).run(owner.userId);
    const result = await authenticateUpgrade(t.server.services, {
      cookieHeader: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
      origin: TEST_PUBLIC_URL,
      token: undefined,
    });
    expect(result).toMatchObject({ failure: ErrorCode.accountSuspended });
  });
});
