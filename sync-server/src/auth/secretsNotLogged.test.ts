import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFromOutbox } from '../../../test/support/outbox.ts';
import { OUTBOX_LOG_MESSAGE } from '../mail/OutboxMailer.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

const lines: string[] = [];
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({}, { logLines: lines });
});
afterAll(() => t.close());

describe('secrets never reach the log', () => {
  it('logs no password, session token, access token or reset token through a whole account life, but for the outbox lines without SMTP', async () => {
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
    const resetToken = tokenFromOutbox(t.server.ctx.config.DATA_DIR, owner.email, '/reset');
    secrets.push(resetToken);
    const next = 'the second secret passphrase';
    await t.client().post('/api/auth/password/reset', { token: resetToken, password: next });
    secrets.push(next);

    // The one exemption: without SMTP_URL the outbox logs each message's links, on purpose
    // (OutboxMailer), one line per message with exactly this message text.
    const outboxLines = lines.filter(
      (line) => (JSON.parse(line) as { msg?: string }).msg === OUTBOX_LOG_MESSAGE,
    );
    expect(outboxLines.some((line) => line.includes(resetToken))).toBe(true);
    const rest = lines.filter((line) => !outboxLines.includes(line));
    expect(rest.length).toBeGreaterThan(0);
    const log = rest.join('\n');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log).not.toContain(secret);
    }
  });
});
