import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { SESSION_LIFETIME_MS } from '../identity/SessionStore.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const day = 24 * 60 * 60 * 1000;

interface SessionList {
  sessions: {
    id: string;
    current: boolean;
    createdAt: number;
    lastSeenAt: number;
    ip: string | null;
    userAgent: string | null;
  }[];
}

describe('sessions', () => {
  it('lists the sessions with created, last seen, IP and user agent, marking the current one', async () => {
    const owner = await signUp(t);
    const phone = t.client();
    await phone.post(
      '/api/auth/login',
      { email: owner.email, password: owner.password },
      {
        headers: { 'user-agent': 'PhoneBrowser/1.0' },
      },
    );
    const res = await owner.client.get<SessionList>('/api/auth/sessions');
    expect(res.status).toBe(200);
    expect(res.body.sessions).toHaveLength(2);
    expect(res.body.sessions.filter((s) => s.current)).toHaveLength(1);
    const other = res.body.sessions.find((s) => !s.current);
    expect(other).toMatchObject({ ip: '127.0.0.1', userAgent: 'PhoneBrowser/1.0' });
    expect(other?.createdAt).toBe(t.clock.now);
    expect(other?.lastSeenAt).toBe(t.clock.now);
  });

  it('revokes one session: it stops working at once and the revocation is announced', async () => {
    const owner = await signUp(t);
    const laptop = t.client();
    await laptop.post('/api/auth/login', { email: owner.email, password: owner.password });
    const list = await owner.client.get<SessionList>('/api/auth/sessions');
    const target = list.body.sessions.find((s) => !s.current);
    if (!target) throw new Error('no other session');
    const announced: (readonly string[])[] = [];
    const listener = ({ sessionIds }: { sessionIds: readonly string[] }) =>
      announced.push(sessionIds);
    t.server.ctx.access.on('sessionsRevoked', listener);
    const res = await owner.client.delete(`/api/auth/sessions/${target.id}`);
    t.server.ctx.access.off('sessionsRevoked', listener);
    expect(res.status).toBe(204);
    expect(announced).toEqual([[target.id]]);
    const reused = await laptop.get('/api/auth/me');
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ error: { code: ErrorCode.sessionExpired } });
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });

  it("answers 404 for another user's session", async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const bList = await b.client.get<SessionList>('/api/auth/sessions');
    const bSession = bList.body.sessions[0];
    const res = await a.client.delete(`/api/auth/sessions/${bSession?.id ?? 'x'}`);
    expect(res.status).toBe(404);
    expect((await b.client.get('/api/auth/me')).status).toBe(200);
  });

  it('extends a session once half of its 30 days are used, and sets the cookie again', async () => {
    const owner = await signUp(t);
    const token = owner.client.sessionToken;
    t.clock.advance(10 * day);
    const early = await owner.client.get('/api/auth/me');
    expect(early.headers.getSetCookie()).toEqual([]);
    t.clock.advance(6 * day); // 16 days in: more than half used
    const renewed = await owner.client.get('/api/auth/me');
    expect(renewed.status).toBe(200);
    expect(renewed.headers.getSetCookie().join()).toMatch(/desk_session=/);
    expect(owner.client.sessionToken).toBe(token); // same token, later expiry
    const row = t.server.ctx.db
      .prepare('SELECT expires_at FROM sessions WHERE user_id = ?')
      .get(owner.userId) as { expires_at: number };
    expect(row.expires_at).toBe(t.clock.now + SESSION_LIFETIME_MS);
    t.clock.advance(29 * day);
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });

  it('expires a session left unused for 30 days', async () => {
    const owner = await signUp(t);
    t.clock.advance(30 * day);
    const res = await owner.client.get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.sessionExpired } });
    expect(
      t.server.ctx.db
        .prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?')
        .get(owner.userId),
    ).toEqual({ n: 0 });
  });

  it('sweeps sessions nobody presented after they expired, announcing them', async () => {
    const owner = await signUp(t);
    const announced: string[] = [];
    const listener = ({ sessionIds }: { sessionIds: readonly string[] }) =>
      announced.push(...sessionIds);
    t.server.ctx.access.on('sessionsRevoked', listener);
    t.clock.advance(30 * day);
    const swept = t.server.services.sessions.sweepExpired();
    t.server.ctx.access.off('sessionsRevoked', listener);
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(announced).toHaveLength(swept);
    expect(
      t.server.ctx.db
        .prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?')
        .get(owner.userId),
    ).toEqual({ n: 0 });
  });

  it('stores only the SHA-256 of the session token', async () => {
    const owner = await signUp(t);
    const rows = t.server.ctx.db
      .prepare('SELECT * FROM sessions WHERE user_id = ?')
      .all(owner.userId) as Record<string, unknown>[];
    const token = owner.client.sessionToken ?? '';
    expect(token).toHaveLength(32); // 160 bits in base32
    for (const row of rows) {
      expect(Object.values(row)).not.toContain(token);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
