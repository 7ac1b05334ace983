import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { readOutbox, tokenFromOutbox } from '../../../test/support/outbox.ts';
import { SIGNUP_LINK_LIFETIME_MS } from './PendingSignups.ts';
import { signupAccepted } from './signupRoutes.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  type AuthTestServer,
} from '../testing/authTestServer.ts';

// Every password the server hashes, in order (the real hash is still computed).
const hashed = vi.hoisted(() => [] as string[]);
vi.mock('../identity/passwords.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../identity/passwords.ts')>();
  return {
    ...actual,
    hashPassword: (password: string) => {
      hashed.push(password);
      return actual.hashPassword(password);
    },
  };
});

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

function body(overrides: Record<string, unknown> = {}) {
  return {
    email: `  Someone.New@Example.COM `,
    password: STRONG_PASSWORD,
    displayName: 'Someone New',
    phone: '+49 30 1234567',
    customer: { kind: 'person', name: 'Someone New' },
    workspace: { name: 'My Desk', slug: 'my-desk' },
    acceptTerms: true,
    ...overrides,
  };
}

/** The response headers, without the ones that differ between any two responses. */
function headersOf(res: { headers: Headers }): [string, string][] {
  return [...res.headers.entries()].filter(([name]) => !['date', 'x-request-id'].includes(name));
}

const dataDir = () => t.server.ctx.config.DATA_DIR;
const confirmToken = (email: string) => tokenFromOutbox(dataDir(), email, '/signup/confirm');

describe('POST /api/auth/signup and /signup/confirm', () => {
  it('answers check_email, mails a link, and the link creates the user, customer, workspace, owner membership and terms acceptance, and logs in', async () => {
    const client = t.client();
    const requested = await client.post('/api/auth/signup', body());
    expect(requested.status).toBe(202);
    expect(requested.body).toEqual(signupAccepted);
    expect(requested.headers.getSetCookie()).toEqual([]);
    // Trimmed, domain lower-cased, local part kept; nothing is made before the link is opened.
    const email = 'Someone.New@example.com';
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get(email),
    ).toBeUndefined();
    const [mail] = readOutbox(dataDir(), email);
    expect(mail?.subject).toBe('Service Desk: Confirm your email to finish signing up');
    expect(mail?.text).toMatch(/http:\/\/desk\.test\/signup\/confirm#token=[a-z2-7]{32}/);

    const res = await client.post<{
      user: { id: string; email: string; displayName: string; phone: string };
      workspaces: { id: string; slug: string; name: string; role: string }[];
      terms: { accepted: boolean };
    }>('/api/auth/signup/confirm', { token: confirmToken(email) });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(email);
    expect(res.body.user.displayName).toBe('Someone New');
    expect(res.body.user.phone).toBe('+49 30 1234567');
    expect(res.body.workspaces).toEqual([
      expect.objectContaining({ slug: 'my-desk', name: 'My Desk', role: 'owner' }),
    ]);
    expect(res.body.terms.accepted).toBe(true);
    const cookie = res.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/desk_session=[a-z2-7]{32};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // PUBLIC_URL is http here

    const db = t.server.ctx.db;
    const userId = res.body.user.id;
    const user = db.prepare('SELECT password_hash FROM users WHERE id = ?').get(userId) as {
      password_hash: string;
    };
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(
      db.prepare('SELECT kind, name FROM customers WHERE owner_user_id = ?').get(userId),
    ).toEqual({ kind: 'person', name: 'Someone New' });
    expect(
      db
        .prepare('SELECT version, accepted_at FROM terms_acceptances WHERE user_id = ?')
        .get(userId),
    ).toEqual({
      version: String(t.server.services.terms.inForce().version),
      accepted_at: t.clock.now,
    });
    // The pending sign-up (with its password hash) is gone once used.
    expect(
      db.prepare('SELECT COUNT(*) AS n FROM pending_signups WHERE email = ?').get(email),
    ).toEqual({ n: 0 });

    const me = await client.get<{ user: { id: string } }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(userId);
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a registered email exactly as a new one, and mails its owner a notice instead of a link', async () => {
    const owner = await signUp(t, { email: 'twice@example.com', displayName: 'Tara Twice' });
    const fresh = await t
      .client()
      .post(
        '/api/auth/signup',
        body({ email: 'fresh@example.com', workspace: { name: 'x', slug: 'fresh-one' } }),
      );
    // The registered one, with another case in its domain (the same account).
    const taken = await t
      .client()
      .post(
        '/api/auth/signup',
        body({ email: 'twice@EXAMPLE.com', workspace: { name: 'x', slug: 'twice-two' } }),
      );
    expect(taken.status).toBe(fresh.status);
    expect(taken.body).toEqual(fresh.body);
    expect(headersOf(taken)).toEqual(headersOf(fresh));
    expect(taken.status).toBe(202);

    const [notice] = readOutbox(dataDir(), 'twice@example.com');
    expect(notice?.subject).toBe('Service Desk: Someone tried to sign up with your address');
    expect(notice?.text).toContain('Hello Tara Twice,');
    expect(notice?.text).toContain('http://desk.test/login');
    expect(notice?.text).toContain('http://desk.test/forgot');
    expect(notice?.text).not.toContain('token=');
    expect(
      t.server.ctx.db
        .prepare('SELECT COUNT(*) AS n FROM pending_signups WHERE email = ?')
        .get(owner.email),
    ).toEqual({ n: 0 });
    // The account is untouched: its password still logs in, and no workspace was added.
    const login = await t.client().post<{ workspaces: unknown[] }>('/api/auth/login', {
      email: owner.email,
      password: owner.password,
    });
    expect(login.status).toBe(200);
    expect(login.body.workspaces).toHaveLength(1);
  });

  it('hashes the password for a registered email too, so both answers take as long', async () => {
    await signUp(t, { email: 'timed@example.com' });
    hashed.length = 0;
    const res = await t.client().post(
      '/api/auth/signup',
      body({
        email: 'timed@example.com',
        password: 'a registered pass phrase',
        workspace: { name: 'Timed', slug: 'timed-two' },
      }),
    );
    expect(res.status).toBe(202);
    expect(hashed).toEqual(['a registered pass phrase']);
  });

  it('lets a link be used once', async () => {
    const client = t.client();
    await client.post(
      '/api/auth/signup',
      body({ email: 'once@example.com', workspace: { name: 'Once', slug: 'once' } }),
    );
    const token = confirmToken('once@example.com');
    expect((await client.post('/api/auth/signup/confirm', { token })).status).toBe(201);
    const again = await t.client().post('/api/auth/signup/confirm', { token });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
    expect(again.headers.getSetCookie()).toEqual([]);
    const made = await t.client().post('/api/auth/signup/confirm', { token: 'a'.repeat(32) });
    expect(made.body).toMatchObject({ error: { code: ErrorCode.tokenInvalid } });
  });

  it('refuses a second link for an address that got its account through the first', async () => {
    const email = 'double@example.com';
    await t
      .client()
      .post('/api/auth/signup', body({ email, workspace: { name: 'A', slug: 'double-a' } }));
    const first = confirmToken(email);
    await t
      .client()
      .post('/api/auth/signup', body({ email, workspace: { name: 'B', slug: 'double-b' } }));
    const second = confirmToken(email);
    expect(second).not.toBe(first);
    expect((await t.client().post('/api/auth/signup/confirm', { token: first })).status).toBe(201);
    const res = await t.client().post('/api/auth/signup/confirm', { token: second });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.emailTaken } });
    expect(
      t.server.ctx.db.prepare('SELECT COUNT(*) AS n FROM users WHERE email = ?').get(email),
    ).toEqual({ n: 1 });
  });

  it('refuses a link after 24 hours', async () => {
    await t
      .client()
      .post(
        '/api/auth/signup',
        body({ email: 'late-link@example.com', workspace: { name: 'Late', slug: 'late-link' } }),
      );
    const token = confirmToken('late-link@example.com');
    t.clock.advance(SIGNUP_LINK_LIFETIME_MS);
    const res = await t.client().post('/api/auth/signup/confirm', { token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.tokenExpired } });
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get('late-link@example.com'),
    ).toBeUndefined();
  });

  it('lets the link choose another workspace address when the one on the form was taken meanwhile', async () => {
    const client = t.client();
    await client.post(
      '/api/auth/signup',
      body({ email: 'slow@example.com', workspace: { name: 'Slow', slug: 'contested' } }),
    );
    await signUp(t, { slug: 'contested' });
    const token = confirmToken('slow@example.com');
    const clash = await client.post('/api/auth/signup/confirm', { token });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({
      error: { code: ErrorCode.slugTaken, fields: { slug: expect.any(String) } },
    });
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get('slow@example.com'),
    ).toBeUndefined();
    // The link was not spent by the failed attempt.
    const retry = await client.post<{ workspaces: { slug: string }[] }>(
      '/api/auth/signup/confirm',
      {
        token,
        slug: 'contested-too',
      },
    );
    expect(retry.status).toBe(201);
    expect(retry.body.workspaces[0]?.slug).toBe('contested-too');
  });

  it('leaves no user behind when the workspace address is taken (one transaction)', async () => {
    await signUp(t, { slug: 'taken-slug' });
    const res = await t
      .client()
      .post(
        '/api/auth/signup',
        body({ email: 'late@example.com', workspace: { name: 'Late', slug: 'taken-slug' } }),
      );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.slugTaken, fields: { slug: expect.any(String) } },
    });
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get('late@example.com'),
    ).toBeUndefined();
  });

  it('refuses short, overlong and common passwords with a field error', async () => {
    for (const password of ['short', 'x'.repeat(257), 'qwertyuiop', 'PassWord123']) {
      const res = await t
        .client()
        .post('/api/auth/signup', body({ email: 'weak@example.com', password }));
      expect(res.status, password).toBe(400);
      expect(res.body).toMatchObject({
        error: { code: ErrorCode.weakPassword, fields: { password: expect.any(String) } },
      });
    }
  });

  it('requires acceptance of the terms', async () => {
    const res = await t
      .client()
      .post('/api/auth/signup', body({ email: 'noterms@example.com', acceptTerms: false }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.termsNotAccepted } });
  });

  it('names each invalid field', async () => {
    const res = await t
      .client()
      .post('/api/auth/signup', body({ email: 'not-an-email', displayName: '' }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.validationFailed, fields: { displayName: expect.any(String) } },
    });
    const bad = await t.client().post('/api/auth/signup', body({ email: 'not-an-email' }));
    expect(bad.body).toMatchObject({ error: { fields: { email: expect.any(String) } } });
  });

  it('limits sign-ups per address with 429 and Retry-After', async () => {
    t.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'signup:%'`).run();
    let last;
    for (let i = 0; i < 11; i += 1) {
      last = await t
        .client()
        .post('/api/auth/signup', body({ email: `flood${i}@example.com`, password: 'short' }));
    }
    expect(last?.status).toBe(429);
    expect(last?.body).toMatchObject({ error: { code: ErrorCode.rateLimited, retryAfter: 3600 } });
    expect(last?.headers.get('retry-after')).toBe('3600');
  });
});
