import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { readOutbox, tokenFromOutbox } from '../../../test/support/outbox.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const NEW_PASSWORD = 'a brand new passphrase';

function mailTo(email: string) {
  return readOutbox(t.server.ctx.config.DATA_DIR, email);
}

/** The reset token from the newest reset link mailed to `email`. */
function resetTokenFromMail(email: string): string {
  return tokenFromOutbox(t.server.ctx.config.DATA_DIR, email, '/reset');
}

async function requestReset(email: string) {
  t.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'reset%'`).run();
  return t.client().post<{ message: string }>('/api/auth/password/forgot', { email });
}

describe('password change', () => {
  it('asks for the current password', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post('/api/auth/password', {
      currentPassword: 'not my password',
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: {
        code: ErrorCode.invalidCredentials,
        fields: { currentPassword: expect.any(String) },
      },
    });
  });

  it('refuses a weak new password on the newPassword field', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post('/api/auth/password', {
      currentPassword: owner.password,
      newPassword: '1234567890',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.weakPassword, fields: { newPassword: expect.any(String) } },
    });
  });

  it('changes the password, keeps this session, ends the others and mails a notice', async () => {
    const owner = await signUp(t);
    const other = t.client();
    await other.post('/api/auth/login', { email: owner.email, password: owner.password });
    const res = await owner.client.post<{ sessionsEnded: number }>('/api/auth/password', {
      currentPassword: owner.password,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(200);
    expect(res.body.sessionsEnded).toBe(1);
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
    expect((await other.get('/api/auth/me')).status).toBe(401);
    const login = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    await expect
      .poll(() => mailTo(owner.email).map((m) => m.subject))
      .toContain('Service Desk: Your password was changed');
  });
});

describe('password reset', () => {
  it('gives the same answer whether or not the email has an account, and mails only real accounts', async () => {
    const owner = await signUp(t);
    const known = await requestReset(owner.email);
    const unknown = await requestReset('nobody-here@example.com');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    await expect.poll(() => mailTo(owner.email).length).toBeGreaterThan(0);
    expect(mailTo('nobody-here@example.com')).toEqual([]);
    const mail = mailTo(owner.email)[0];
    expect(mail?.subject).toBe('Service Desk: Reset your password');
    expect(mail?.text).toContain('http://desk.test/reset?token=');
    expect(mail?.html).toContain('http://desk.test/reset?token=');
  });

  it('sets a new password with the emailed link, once, and ends every session', async () => {
    const owner = await signUp(t);
    await requestReset(owner.email);
    await expect.poll(() => mailTo(owner.email).length).toBeGreaterThan(0);
    const token = resetTokenFromMail(owner.email);
    const res = await t
      .client()
      .post('/api/auth/password/reset', { token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect((await owner.client.get('/api/auth/me')).status).toBe(401);
    const login = await t
      .client()
      .post('/api/auth/login', { email: owner.email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);

    const again = await t
      .client()
      .post('/api/auth/password/reset', { token, password: 'yet another passphrase' });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
  });

  it('refuses a link older than 30 minutes', async () => {
    const owner = await signUp(t);
    await requestReset(owner.email);
    await expect.poll(() => mailTo(owner.email).length).toBeGreaterThan(0);
    const token = resetTokenFromMail(owner.email);
    t.clock.advance(30 * 60 * 1000);
    const res = await t
      .client()
      .post('/api/auth/password/reset', { token, password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.tokenExpired } });
  });

  it('refuses a made-up token', async () => {
    const res = await t
      .client()
      .post('/api/auth/password/reset', { token: 'a'.repeat(32), password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
  });

  it('limits reset requests per account (3 an hour) with Retry-After', async () => {
    const owner = await signUp(t);
    t.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'reset%'`).run();
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await t.client().post('/api/auth/password/forgot', { email: owner.email });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toBe('3600');
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
  });
});
