import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { readOutbox } from '../../../test/support/outbox.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

describe('report unauthorized use', () => {
  it('ends all sessions, revokes tokens, locks the account until reset, records a report and mails a confirmation', async () => {
    const owner = await signUp(t);
    const intruder = t.client();
    await intruder.post('/api/auth/login', { email: owner.email, password: owner.password });
    const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'ci',
      workspaceId: owner.workspaceId,
    });
    const revokedSessions: string[] = [];
    const revokedTokens: string[] = [];
    const onSessions = ({ sessionIds }: { sessionIds: readonly string[] }) =>
      revokedSessions.push(...sessionIds);
    const onTokens = ({ tokenIds }: { tokenIds: readonly string[] }) =>
      revokedTokens.push(...tokenIds);
    t.server.ctx.access.on('sessionsRevoked', onSessions);
    t.server.ctx.access.on('tokensRevoked', onTokens);

    const res = await owner.client.post<{
      reportId: string;
      sessionsEnded: number;
      tokensRevoked: number;
    }>('/api/auth/report-unauthorized-use', { note: 'I did not log in from Lisbon.' });
    t.server.ctx.access.off('sessionsRevoked', onSessions);
    t.server.ctx.access.off('tokensRevoked', onTokens);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionsEnded: 2, tokensRevoked: 1 });
    expect(revokedSessions).toHaveLength(2);
    expect(revokedTokens).toHaveLength(1);
    expect((await intruder.get('/api/auth/me')).status).toBe(401);
    expect((await t.client().get('/api/auth/me', { bearer: created.body.token })).status).toBe(401);

    // The password is known to the intruder: it no longer opens the account.
    const login = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: owner.password });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ error: { code: ErrorCode.passwordResetRequired } });

    const mail = readOutbox(t.server.ctx.config.DATA_DIR, owner.email).find((m) =>
      m.subject.includes('unauthorized use'),
    );
    expect(mail?.text).toContain('logged out all 2 of its sessions');
    const token = /\/reset\?token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1];
    expect(token).toBeDefined();
    const reset = await t
      .client()
      .post('/api/auth/password/reset', { token, password: 'my new safe passphrase' });
    expect(reset.status).toBe(200);
    const relogin = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: 'my new safe passphrase' });
    expect(relogin.status).toBe(200);
  });

  it('shows reports to operators only', async () => {
    const victim = await signUp(t);
    await victim.client.post('/api/auth/report-unauthorized-use', {});
    const user = await signUp(t);
    const refused = await user.client.get('/api/security-reports');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: ErrorCode.forbidden } });

    const operator = await signUp(t);
    t.server.ctx.db
      .prepare(`UPDATE users SET platform_role = 'operator' WHERE id = ?`)
      .run(operator.userId);
    const res = await operator.client.get<{ reports: { user: { email: string }; kind: string }[] }>(
      '/api/security-reports',
    );
    expect(res.status).toBe(200);
    expect(res.body.reports).toContainEqual(
      expect.objectContaining({
        kind: 'unauthorized_use',
        user: expect.objectContaining({ email: victim.email }),
      }),
    );
  });
});
