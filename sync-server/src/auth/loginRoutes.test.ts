import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { loginBackoff } from './limits.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

function clearLoginLimits() {
  t.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'login:%'`).run();
}

describe('log in and out', () => {
  it('logs in with the right password and answers with the user and their workspaces', async () => {
    const owner = await signUp(t, { email: 'login.ok@Example.com' });
    const client = t.client();
    const res = await client.post<{ user: { id: string }; workspaces: { slug: string }[] }>(
      '/api/auth/login',
      { email: '  login.ok@EXAMPLE.COM ', password: owner.password },
    );
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(owner.userId);
    expect(res.body.workspaces.map((w) => w.slug)).toEqual([owner.slug]);
    expect(client.sessionToken).toBeDefined();
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const owner = await signUp(t);
    const wrong = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: 'not the password' });
    const unknown = await t
      .client()
      .post('/api/auth/login', { email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toMatchObject({ error: { code: ErrorCode.invalidCredentials } });
  });

  it('slows a client guessing at one account with a delay (Retry-After), never a lock', async () => {
    clearLoginLimits();
    const owner = await signUp(t);
    const free = loginBackoff.perAccountAndAddress.freeFailures;
    for (let i = 0; i <= free; i += 1) {
      const res = await t
        .client()
        .post('/api/auth/login', { email: owner.email, password: `wrong guess ${i}` });
      expect(res.status).toBe(401);
    }
    // Even the right password waits out the delay.
    const slowed = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: owner.password });
    expect(slowed.status).toBe(429);
    expect(slowed.body).toMatchObject({ error: { code: ErrorCode.rateLimited, retryAfter: 1 } });
    expect(slowed.headers.get('retry-after')).toBe('1');

    t.clock.advance(1000);
    const after = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: owner.password });
    expect(after.status).toBe(200);
  });

  it('limits failed attempts per address across accounts', async () => {
    clearLoginLimits();
    let last;
    for (let i = 0; i <= loginBackoff.perAddress.freeFailures + 1; i += 1) {
      last = await t
        .client()
        .post('/api/auth/login', { email: `spray${i}@example.com`, password: 'whatever123' });
    }
    expect(last?.status).toBe(429);
    clearLoginLimits();
  });

  it('logs out: the cookie is cleared and the old session token no longer works', async () => {
    const owner = await signUp(t);
    const stolen = owner.client.sessionToken;
    const out = await owner.client.post('/api/auth/logout');
    expect(out.status).toBe(204);
    expect(owner.client.sessionToken).toBeUndefined();

    const replay = t.client();
    replay.sessionToken = stolen;
    const res = await replay.get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.sessionExpired } });
  });

  it('logs out everywhere: every session of the user ends and is announced', async () => {
    clearLoginLimits();
    const owner = await signUp(t);
    const second = t.client();
    await second.post('/api/auth/login', { email: owner.email, password: owner.password });
    const revoked: string[] = [];
    const listener = ({ sessionIds }: { sessionIds: readonly string[] }) =>
      revoked.push(...sessionIds);
    t.server.ctx.access.on('sessionsRevoked', listener);
    const res = await owner.client.post<{ sessionsEnded: number }>('/api/auth/logout-everywhere');
    t.server.ctx.access.off('sessionsRevoked', listener);
    expect(res.body.sessionsEnded).toBe(2);
    expect(revoked).toHaveLength(2);
    expect((await second.get('/api/auth/me')).status).toBe(401);
    expect((await owner.client.get('/api/auth/me')).status).toBe(401);
  });

  it('answers 401 unauthenticated without a session', async () => {
    const res = await t.client().get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.unauthenticated } });
  });

  it('refuses a suspended user at login and ends the use of their existing sessions', async () => {
    clearLoginLimits();
    const owner = await signUp(t);
    t.server.ctx.db.prepare(`UPDATE users SET status = 'suspended' WHERE id = ?`).run(owner.userId);
    const me = await owner.client.get('/api/auth/me');
    expect(me.status).toBe(403);
    expect(me.body).toMatchObject({ error: { code: ErrorCode.accountSuspended } });
    const login = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: owner.password });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ error: { code: ErrorCode.accountSuspended } });
  });

  it('updates the profile (display name, phone)', async () => {
    const owner = await signUp(t);
    const res = await owner.client.patch<{ user: { displayName: string; phone: string | null } }>(
      '/api/auth/me',
      { displayName: 'Ana Renamed', phone: '+1 555 0100' },
    );
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ displayName: 'Ana Renamed', phone: '+1 555 0100' });
    const cleared = await owner.client.patch<{ user: { phone: string | null } }>('/api/auth/me', {
      phone: null,
    });
    expect(cleared.body.user.phone).toBeNull();
  });
});

describe('terms re-acceptance', () => {
  it('reports whether the current terms are accepted and records a new acceptance', async () => {
    const owner = await signUp(t);
    t.server.ctx.db.prepare('DELETE FROM terms_acceptances WHERE user_id = ?').run(owner.userId);
    const before = await owner.client.get<{ terms: { currentVersion: string; accepted: boolean } }>(
      '/api/auth/me',
    );
    expect(before.body.terms.accepted).toBe(false);
    const wrong = await owner.client.post('/api/auth/terms', { version: '1999-01-01' });
    expect(wrong.status).toBe(400);
    const res = await owner.client.post<{ terms: { accepted: boolean } }>('/api/auth/terms', {
      version: before.body.terms.currentVersion,
    });
    expect(res.status).toBe(200);
    expect(res.body.terms.accepted).toBe(true);
  });
});

describe('Origin check (CSRF)', () => {
  it('refuses a state-changing request from a foreign Origin, even with a valid session', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post(
      '/api/auth/logout-everywhere',
      {},
      { origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.foreignOrigin } });
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses a state-changing request without Origin, including login', async () => {
    const res = await t
      .client()
      .post('/api/auth/login', { email: 'a@example.com', password: 'x' }, { origin: null });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.foreignOrigin } });
  });

  it('lets reads through without Origin', async () => {
    const owner = await signUp(t);
    expect((await owner.client.get('/api/auth/me', { origin: null })).status).toBe(200);
  });
});
