import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { CURRENT_TERMS_VERSION } from './terms.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  type AuthTestServer,
} from './testSupport.ts';

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

describe('POST /api/auth/signup', () => {
  it('creates the user, customer, workspace, owner membership and terms acceptance, and logs in', async () => {
    const client = t.client();
    const res = await client.post<{
      user: { id: string; email: string; displayName: string; phone: string };
      workspaces: { id: string; slug: string; name: string; role: string }[];
      terms: { accepted: boolean };
    }>('/api/auth/signup', body());
    expect(res.status).toBe(201);
    // Trimmed, domain lower-cased, local part kept.
    expect(res.body.user.email).toBe('Someone.New@example.com');
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
      db.prepare('SELECT version FROM terms_acceptances WHERE user_id = ?').get(userId),
    ).toEqual({ version: CURRENT_TERMS_VERSION });

    const me = await client.get<{ user: { id: string } }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(userId);
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a second account with the same email, whatever the case of its domain', async () => {
    const first = await signUp(t, { email: 'twice@example.com' });
    expect(first.email).toBe('twice@example.com');
    const res = await t
      .client()
      .post(
        '/api/auth/signup',
        body({ email: 'twice@EXAMPLE.com', workspace: { name: 'x', slug: 'twice-two' } }),
      );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.emailTaken } });
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
