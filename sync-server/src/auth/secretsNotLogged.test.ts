import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../mail/OutboxMailer.ts';
import { getMailer } from '../mail/getMailer.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from './testSupport.ts';

const lines: string[] = [];
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({}, { logLines: lines });
});
afterAll(() => t.close());

describe('secrets never reach the log', () => {
  it('logs no password, session token, access token or reset token through a whole account life', async () => {
    const secrets: string[] = [];
    const owner = await signUp(t, { password: 'the first secret passphrase' });
    secrets.push(owner.password, owner.client.sessionToken ?? '');

    const wrong = 'a wrong secret passphrase';
    await t.client().post('/api/auth/login', { email: owner.email, password: wrong });
    secrets.push(wrong);
    const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'bot',
      workspaceId: owner.workspaceId,
    });
    secrets.push(created.body.token);
    await t.client().get('/api/auth/me', { bearer: created.body.token });
    await t.client().get('/api/auth/me', { bearer: 'desk_pat_made_up_secret' });
    secrets.push('desk_pat_made_up_secret');

    await t.client().post('/api/auth/password/forgot', { email: owner.email });
    await expect
      .poll(() => (getMailer(t.server.ctx) as OutboxMailer).list({ to: owner.email }).length)
      .toBeGreaterThan(0);
    const mail = (getMailer(t.server.ctx) as OutboxMailer).list({ to: owner.email })[0];
    const resetToken = /token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    secrets.push(resetToken);
    const next = 'the second secret passphrase';
    await t.client().post('/api/auth/password/reset', { token: resetToken, password: next });
    secrets.push(next);

    expect(lines.length).toBeGreaterThan(0);
    const log = lines.join('\n');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log).not.toContain(secret);
    }
  });
});
