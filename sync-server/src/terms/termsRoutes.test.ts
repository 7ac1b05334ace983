import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, MessageType } from '@desk/protocol';
import { readOutbox } from '../../../test/support/outbox.ts';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { createOperator } from '../cli/createOperator.ts';
import { hashPassword } from '../identity/passwords.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';

let t: AuthTestServer;
let operator: TestClient;
beforeAll(async () => {
  t = await startAuthTestServer();
  ({ client: operator } = await loginOperator(t));
});
afterAll(() => t.close());

const HOUR = 60 * 60 * 1000;
type ErrorResponse = { error: { code: string } };
type Me = {
  terms: {
    currentVersion: string;
    accepted: boolean;
    required: boolean;
    upcoming: { version: string; effectiveAt: number } | null;
  };
};

/** `/yjs` with the client's session: `synced` when the first sync message arrives, else the close code. */
async function yjsOutcome(client: TestClient, docId: string): Promise<string> {
  const url = new URL(`/yjs/${docId}`, t.server.url.replace(/^http/, 'ws'));
  const ws = new WebSocket(url, {
    origin: TEST_PUBLIC_URL,
    headers: { cookie: `${SESSION_COOKIE}=${client.sessionToken}` },
  });
  try {
    return await new Promise<string>((resolve) => {
      ws.on('error', () => {});
      ws.once('message', () => resolve('synced'));
      ws.once('close', (code, reason) => resolve(`close ${code} ${reason.toString()}`));
    });
  } finally {
    ws.terminate();
  }
}

/** `/sync`: `subscribed` when the doc subscription is answered, else the close code. */
async function syncOutcome(client: TestClient, docId: string): Promise<string> {
  const sync = await TestSyncClient.connect(t.server.url, {
    origin: TEST_PUBLIC_URL,
    cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
  });
  try {
    if (sync.closeInfo) return `close ${sync.closeInfo.code}`;
    sync.subscribe(docId);
    const answer = await Promise.race([
      sync.waitFor((m) => m.type === MessageType.subscribed && m.docId === docId).catch(() => null),
      sync.closed.then(() => null),
    ]);
    return answer ? 'subscribed' : `close ${(await sync.closed).code}`;
  } finally {
    sync.ws.terminate();
  }
}

async function publish(effectiveAt: number, changes = 'Section 3 now names our processors.') {
  // Operators are users too: refused like everyone until they accept the version in force.
  const me = await operator.get<Me>('/api/auth/me');
  if (me.body.terms.required) {
    await operator.post('/api/auth/terms', { version: me.body.terms.currentVersion });
  }
  const res = await operator.post<{ version: string; effectiveAt: number }>('/api/operator/terms', {
    text: 'The new terms, in full.',
    changes,
    effectiveAt,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await t.server.services.termsAnnouncer.idle();
  return res.body;
}

describe('versioned terms', () => {
  it('serves today’s terms as version 1, and sign-up records its acceptance of it', async () => {
    const res = await t.client().get<{ current: { version: string; text: string } }>('/api/terms');
    expect(res.status).toBe(200);
    expect(res.body.current.version).toBe('1');
    expect(res.body.current.text).toContain('Term of Services');
    const owner = await signUp(t);
    const me = await owner.client.get<Me>('/api/auth/me');
    expect(me.body.terms).toEqual({
      currentVersion: '1',
      accepted: true,
      required: false,
      upcoming: null,
    });
  });

  it('ACCESS-4 enforces version 1 on the server too: an account that never accepted it is refused on the API and both sockets until it accepts', async () => {
    // An account that never saw the forms: its acceptance row is not there (as for accounts
    // made by tools, or before acceptances were recorded).
    const owner = await signUp(t);
    t.server.ctx.db.prepare('DELETE FROM terms_acceptances WHERE user_id = ?').run(owner.userId);
    const docId = `${owner.workspaceId}:index`;
    const me = await owner.client.get<Me>('/api/auth/me');
    expect(me.body.terms).toMatchObject({ currentVersion: '1', accepted: false, required: true });
    const refused = await owner.client.get<ErrorResponse>(`/api/workspaces/${owner.slug}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(ErrorCode.termsNotAccepted);
    expect(await syncOutcome(owner.client, docId)).toBe(`close ${CloseCode.termsNotAccepted}`);
    expect(await yjsOutcome(owner.client, docId)).toBe(
      `close ${CloseCode.termsNotAccepted} ${ErrorCode.termsNotAccepted}`,
    );

    // Accepting (twice: the second changes nothing) opens everything again.
    for (let i = 0; i < 2; i++) {
      const accepted = await owner.client.post<Me>('/api/auth/terms', { version: '1' });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      expect(accepted.body.terms).toMatchObject({ accepted: true, required: false });
    }
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
    expect(await syncOutcome(owner.client, docId)).toBe('subscribed');
    expect(await yjsOutcome(owner.client, docId)).toBe('synced');

    // The acceptance is recorded (user, version, time, address) and audited once.
    const row = t.server.ctx.db
      .prepare(`SELECT accepted_at, ip FROM terms_acceptances WHERE user_id = ? AND version = '1'`)
      .get(owner.userId) as { accepted_at: number; ip: string | null };
    expect(row.accepted_at).toBe(t.clock.now);
    expect(row.ip).toBeTruthy();
    const audit = await operator.get<{
      entries: { action: string; targetId: string; actorUserId: string | null }[];
    }>('/api/operator/audit');
    const mine = audit.body.entries.filter(
      (e) => e.action === 'terms.accepted' && e.actorUserId === owner.userId,
    );
    expect(mine).toEqual([expect.objectContaining({ targetId: '1' })]);
  });

  it('refuses an operator made by the CLI everything but reading and accepting the terms until it accepts', async () => {
    const email = 'cli-operator@example.com';
    await createOperator(t.server.services.control, {
      email,
      displayName: 'CLI Ops',
      passwordHash: await hashPassword(STRONG_PASSWORD),
    });
    const ops = t.client();
    expect((await ops.post('/api/auth/login', { email, password: STRONG_PASSWORD })).status).toBe(
      200,
    );
    const refused = await ops.get<ErrorResponse>('/api/operator/customers');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(ErrorCode.termsNotAccepted);
    expect((await ops.get('/api/terms')).status).toBe(200);
    expect((await ops.post('/api/auth/terms', { version: '1' })).status).toBe(200);
    expect((await ops.get('/api/operator/customers')).status).toBe(200);
  });

  it('refuses publishing to non-operators and an effective date that has passed', async () => {
    const owner = await signUp(t);
    const refused = await owner.client.post<ErrorResponse>('/api/operator/terms', {
      text: 'x',
      changes: 'y',
    });
    expect(refused.status).toBe(403);
    const past = await operator.post<ErrorResponse>('/api/operator/terms', {
      text: 'x',
      changes: 'y',
      effectiveAt: t.clock.now - HOUR,
    });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe(ErrorCode.validationFailed);
  });

  it('mails everyone, lets them work until the effective date, then refuses API and sockets until they accept', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const docId = `${owner.workspaceId}:index`;
    const published = await publish(t.clock.now + HOUR);

    // Announced by email to every user, with the date and the changes.
    for (const email of [owner.email, other.email]) {
      const mail = readOutbox(t.server.ctx.config.DATA_DIR, email.toLowerCase()).find((m) =>
        m.subject.endsWith('Our terms of service are changing'),
      );
      expect(mail?.text).toContain('Section 3 now names our processors.');
      expect(mail?.text).toContain(`version ${published.version}`);
    }
    // Published in the audit log.
    const audit = await operator.get<{ entries: { action: string; targetId: string }[] }>(
      '/api/operator/audit',
    );
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ action: 'terms.published', targetId: published.version }),
    );

    // Before the effective date: nothing is refused; the new version is announced in /me.
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
    expect((await owner.client.get<Me>('/api/auth/me')).body.terms.upcoming).toEqual({
      version: published.version,
      effectiveAt: published.effectiveAt,
    });
    expect(await syncOutcome(owner.client, docId)).toBe('subscribed');

    t.clock.advance(HOUR);

    // From the effective date: REST 403 terms_not_accepted, sockets closed with 4451.
    const refused = await owner.client.get<ErrorResponse>(`/api/workspaces/${owner.slug}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(ErrorCode.termsNotAccepted);
    expect(await syncOutcome(owner.client, docId)).toBe(`close ${CloseCode.termsNotAccepted}`);
    expect(await yjsOutcome(owner.client, docId)).toBe(
      `close ${CloseCode.termsNotAccepted} ${ErrorCode.termsNotAccepted}`,
    );
    // What is needed to read and accept still answers.
    const me = await owner.client.get<Me>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.terms).toMatchObject({
      currentVersion: published.version,
      accepted: false,
      required: true,
    });
    expect((await owner.client.get('/api/terms')).status).toBe(200);

    // An old version cannot be accepted instead.
    expect((await owner.client.post('/api/auth/terms', { version: '1' })).status).toBe(400);

    const accepted = await owner.client.post<Me>('/api/auth/terms', {
      version: published.version,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.terms).toMatchObject({ accepted: true, required: false });
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
    expect(await syncOutcome(owner.client, docId)).toBe('subscribed');
    expect(await yjsOutcome(owner.client, docId)).toBe('synced');

    // The acceptance is recorded: user, version, time, client address.
    const row = t.server.ctx.db
      .prepare('SELECT * FROM terms_acceptances WHERE user_id = ? AND version = ?')
      .get(owner.userId, published.version) as { accepted_at: number; ip: string | null };
    expect(row.accepted_at).toBe(t.clock.now);
    expect(row.ip).toBeTruthy();

    // The other user is still refused, personal access tokens too.
    expect((await other.client.get(`/api/workspaces/${other.slug}`)).status).toBe(403);
  });

  it('closes a socket opened before the effective date with 4451 when the date comes', async () => {
    const owner = await signUp(t);
    const docId = `${owner.workspaceId}:index`;
    await publish(t.clock.now + HOUR);
    const sync = await TestSyncClient.connect(t.server.url, {
      origin: TEST_PUBLIC_URL,
      cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
    });
    try {
      sync.subscribe(docId);
      await sync.waitFor((m) => m.type === MessageType.subscribed && m.docId === docId);
      t.clock.advance(HOUR);
      await t.server.services.termsEffectiveDates.check();
      expect((await sync.closed).code).toBe(CloseCode.termsNotAccepted);
    } finally {
      sync.ws.terminate();
    }
  });

  it('refuses personal access tokens with terms_not_accepted until their user accepts in a browser', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'bot',
      workspaceId: owner.workspaceId,
    });
    const published = await publish(t.clock.now);
    const bot = t.client();
    const refused = await bot.get<ErrorResponse>(`/api/workspaces/${owner.slug}`, {
      bearer: created.body.token,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(ErrorCode.termsNotAccepted);
    // A token cannot accept for its user.
    expect(
      (
        await bot.post(
          '/api/auth/terms',
          { version: published.version },
          { bearer: created.body.token },
        )
      ).status,
    ).toBe(403);
    await owner.client.post('/api/auth/terms', { version: published.version });
    const allowed = await bot.get(`/api/workspaces/${owner.slug}`, { bearer: created.body.token });
    expect(allowed.status).toBe(200);
  });
  it('shows a user who skipped a version what every version since their last acceptance changed', async () => {
    const user = await signUp(t);
    type Terms = { changesSinceAccepted: { version: string; changes: string }[] };
    expect((await user.client.get<Terms>('/api/terms')).body.changesSinceAccepted).toEqual([]);
    const first = await publish(t.clock.now, 'Section 5: no third-party analytics.');
    const second = await publish(t.clock.now, 'Section 3: support access by grant only.');
    const seen = await user.client.get<Terms>('/api/terms');
    expect(seen.status).toBe(200);
    expect(seen.body.changesSinceAccepted).toEqual([
      { version: first.version, changes: 'Section 5: no third-party analytics.' },
      { version: second.version, changes: 'Section 3: support access by grant only.' },
    ]);
    // Signed out: the terms, nobody's changes.
    expect((await t.client().get<Terms>('/api/terms')).body.changesSinceAccepted).toEqual([]);
    await user.client.post('/api/auth/terms', { version: second.version });
    expect((await user.client.get<Terms>('/api/terms')).body.changesSinceAccepted).toEqual([]);
  });
});
