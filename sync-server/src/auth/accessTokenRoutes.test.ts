import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { tokenAllowsWorkspace } from '../identity/AuthContext.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const day = 24 * 60 * 60 * 1000;

interface Created {
  id: string;
  token: string;
  workspaceId: string;
}

describe('personal access tokens', () => {
  it('creates a named token for a workspace, shows it once and stores only its hash', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'deploy bot',
      workspaceId: owner.workspaceId,
    });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^desk_pat_[a-z2-7]{32}$/);
    const list = await owner.client.get<{ tokens: Record<string, unknown>[] }>('/api/auth/tokens');
    expect(list.body.tokens).toEqual([
      expect.objectContaining({
        id: res.body.id,
        name: 'deploy bot',
        workspaceSlug: owner.slug,
        expiresAt: null,
      }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    const row = t.server.ctx.db
      .prepare('SELECT * FROM access_tokens WHERE id = ?')
      .get(res.body.id) as Record<string, unknown>;
    expect(Object.values(row)).not.toContain(res.body.token);
  });

  it('authenticates REST calls as Bearer, confined to its workspace', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'script',
      workspaceId: owner.workspaceId,
    });
    const bot = t.client();
    const me = await bot.get<{ workspaces: { id: string }[]; via: string }>('/api/auth/me', {
      bearer: created.body.token,
    });
    expect(me.status).toBe(200);
    expect(me.body.via).toBe('token');
    expect(me.body.workspaces.map((w) => w.id)).toEqual([owner.workspaceId]);
    expect(
      tokenAllowsWorkspace(
        { user: {} as never, session: null, token: { id: 'x', workspaceId: owner.workspaceId } },
        'other',
      ),
    ).toBe(false);

    // Account management is not for tokens.
    const sessions = await bot.get('/api/auth/sessions', { bearer: created.body.token });
    expect(sessions.status).toBe(403);
    const mint = await bot.post(
      '/api/auth/tokens',
      { name: 'more', workspaceId: owner.workspaceId },
      { bearer: created.body.token, origin: null },
    );
    expect(mint.status).toBe(403);
  });

  it('opens only its own workspace, even when its owner belongs to another', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    // The owner also belongs to the other workspace, as an agent.
    t.server.ctx.db
      .prepare(
        `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, 'agent', ?)`,
      )
      .run(other.workspaceId, owner.userId, t.clock.now);
    const created = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'scoped',
      workspaceId: owner.workspaceId,
    });
    const bot = t.client();
    expect(
      (await bot.get(`/api/workspaces/${owner.slug}`, { bearer: created.body.token })).status,
    ).toBe(200);
    expect(
      (await bot.get(`/api/workspaces/${other.slug}`, { bearer: created.body.token })).status,
    ).toBe(404);
    // The session of the same user opens both.
    expect((await owner.client.get(`/api/workspaces/${other.slug}`)).status).toBe(200);
  });

  it('is judged alone: a Bearer request with a bad token fails even beside a valid cookie, without Origin', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post(
      '/api/auth/logout-everywhere',
      {},
      { bearer: 'desk_pat_nonsense', origin: null },
    );
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses a workspace the user does not belong to', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    const res = await owner.client.post('/api/auth/tokens', {
      name: 'x',
      workspaceId: stranger.workspaceId,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { fields: { workspaceId: expect.any(String) } } });
  });

  it('stops working when revoked, announcing the revocation', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'old',
      workspaceId: owner.workspaceId,
    });
    const announced: string[] = [];
    const listener = ({ tokenIds }: { tokenIds: readonly string[] }) => announced.push(...tokenIds);
    t.server.ctx.access.on('tokensRevoked', listener);
    const res = await owner.client.delete(`/api/auth/tokens/${created.body.id}`);
    t.server.ctx.access.off('tokensRevoked', listener);
    expect(res.status).toBe(204);
    expect(announced).toEqual([created.body.id]);
    const used = await t.client().get('/api/auth/me', { bearer: created.body.token });
    expect(used.status).toBe(401);
    expect(used.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
    expect((await owner.client.delete(`/api/auth/tokens/${created.body.id}`)).status).toBe(404);
  });

  it('expires after the chosen number of days', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'week',
      workspaceId: owner.workspaceId,
      expiresInDays: 7,
    });
    t.clock.advance(7 * day - 1);
    expect((await t.client().get('/api/auth/me', { bearer: created.body.token })).status).toBe(200);
    t.clock.advance(1);
    const res = await t.client().get('/api/auth/me', { bearer: created.body.token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.tokenExpired } });
  });

  it('stops working when its owner is suspended or leaves the workspace', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<Created>('/api/auth/tokens', {
      name: 'x',
      workspaceId: owner.workspaceId,
    });
    const db = t.server.ctx.db;
    db.prepare(`UPDATE users SET status = 'suspended' WHERE id = ?`).run(owner.userId);
    const suspended = await t.client().get('/api/auth/me', { bearer: created.body.token });
    expect(suspended.status).toBe(403);
    expect(suspended.body).toMatchObject({ error: { code: ErrorCode.accountSuspended } });
    db.prepare(`UPDATE users SET status = 'active' WHERE id = ?`).run(owner.userId);
    expect((await t.client().get('/api/auth/me', { bearer: created.body.token })).status).toBe(200);
    db.prepare('DELETE FROM memberships WHERE user_id = ?').run(owner.userId);
    expect((await t.client().get('/api/auth/me', { bearer: created.body.token })).status).toBe(401);
  });
});
