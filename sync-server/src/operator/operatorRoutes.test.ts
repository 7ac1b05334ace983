import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import {
  signUp,
  STRONG_PASSWORD,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { addMember, loginOperator, recordAccessEvents } from '../testing/workspaceTestSupport.ts';
import type { CustomerSummary } from './CustomerDirectory.ts';

let t: AuthTestServer;
let operator: TestClient;
let operatorId: string;
beforeAll(async () => {
  t = await startAuthTestServer();
  ({ client: operator, userId: operatorId } = await loginOperator(t));
});
afterAll(() => t.close());

type ErrorResponse = { error: { code: string } };

async function findCustomer(q: string): Promise<CustomerSummary> {
  const res = await operator.get<{ customers: CustomerSummary[] }>(
    `/api/operator/customers?q=${encodeURIComponent(q)}`,
  );
  expect(res.status).toBe(200);
  const [customer] = res.body.customers;
  if (!customer) throw new Error(`no customer matching ${q}`);
  return customer;
}

describe('the operator console', () => {
  it('is refused to users who are not operators', async () => {
    const owner = await signUp(t);
    for (const path of ['/api/operator/customers', '/api/operator/users', '/api/operator/audit']) {
      const res = await owner.client.get<ErrorResponse>(path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe(ErrorCode.forbidden);
    }
    const anonymous = await t.client().get<ErrorResponse>('/api/operator/customers');
    expect(anonymous.status).toBe(401);
  });

  it('lists customers with account information only: name, email, phone, plan, seats, state', async () => {
    const owner = await signUp(t, { displayName: 'Listed Owner' });
    await addMember(t, owner.client, owner.slug, 'listed-member@example.com');
    const customer = await findCustomer(owner.email);
    expect(customer).toEqual({
      id: expect.any(String),
      kind: 'organization',
      name: 'Acme',
      createdAt: expect.any(Number),
      owner: {
        id: owner.userId,
        displayName: 'Listed Owner',
        email: owner.email,
        phone: null,
        status: 'active',
      },
      workspaces: [
        {
          id: owner.workspaceId,
          slug: owner.slug,
          name: 'Acme Support',
          plan: { id: 'trial', name: 'Trial' },
          state: 'trialing',
          readOnlyReason: null,
          seats: { used: 2, limit: 5 },
          seatLimitOverride: null,
          trialEndsAt: expect.any(Number),
          deleteAfter: null,
        },
      ],
    });
  });

  it('finds customers by workspace address too', async () => {
    const owner = await signUp(t);
    expect((await findCustomer(owner.slug)).owner.id).toBe(owner.userId);
  });

  it('changes plan, seat limit and trial end, each written to the audit log with the operator', async () => {
    const owner = await signUp(t);
    const trialEndsAt = t.clock.now + 30 * 24 * 60 * 60 * 1000;
    const base = `/api/operator/workspaces/${owner.workspaceId}/subscription`;
    expect((await operator.patch(base, { trialEndsAt })).status).toBe(200);
    expect((await operator.patch(base, { seatLimit: 7 })).status).toBe(200);
    expect((await operator.patch(base, { planId: 'business' })).status).toBe(200);
    const ws = (await findCustomer(owner.slug)).workspaces[0];
    expect(ws).toMatchObject({
      plan: { id: 'business' },
      state: 'active',
      seats: { limit: 7 },
      seatLimitOverride: 7,
    });
    const audit = await operator.get<{
      entries: { action: string; actorKind: string; actorUserId: string; workspaceId: string }[];
    }>('/api/operator/audit');
    const mine = audit.body.entries.filter((e) => e.workspaceId === owner.workspaceId);
    expect(mine.map((e) => e.action).reverse()).toEqual([
      'subscription.trial_end_changed',
      'subscription.seat_limit_changed',
      'subscription.plan_changed',
      'subscription.state_changed',
    ]);
    expect(mine.every((e) => e.actorKind === 'operator' && e.actorUserId === operatorId)).toBe(
      true,
    );
    // The owner reads what the operator did to their workspace.
    const ownerView = await owner.client.get<{ entries: { action: string }[] }>(
      `/api/workspaces/${owner.slug}/audit`,
    );
    expect(ownerView.body.entries.map((e) => e.action)).toContain('subscription.plan_changed');
  });

  it('suspends a user: their sessions stop working, live connections are told, and reinstating restores them', async () => {
    const owner = await signUp(t);
    const events = recordAccessEvents(t);
    const suspend = await operator.post(`/api/operator/users/${owner.userId}/suspend`, {
      note: 'ownership dispute',
    });
    expect(suspend.status).toBe(200);
    expect(events).toContainEqual({ name: 'userSuspended', payload: { userId: owner.userId } });
    const refused = await owner.client.get<ErrorResponse>(`/api/workspaces/${owner.slug}`);
    expect(refused.body.error.code).toBe(ErrorCode.accountSuspended);
    const login = await t.client().post<ErrorResponse>('/api/auth/login', {
      email: owner.email,
      password: STRONG_PASSWORD,
    });
    expect(login.status).not.toBe(200);

    expect((await operator.post(`/api/operator/users/${owner.userId}/reinstate`, {})).status).toBe(
      200,
    );
    const relogin = t.client();
    const ok = await relogin.post('/api/auth/login', {
      email: owner.email,
      password: STRONG_PASSWORD,
    });
    expect(ok.status).toBe(200);
    expect((await relogin.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
    const entries = t.server.ctx.db
      .prepare(`SELECT action, details FROM audit_log WHERE target_id = ? ORDER BY id`)
      .all(owner.userId);
    expect(entries).toEqual([
      { action: 'user.suspended', details: JSON.stringify({ note: 'ownership dispute' }) },
      { action: 'user.reinstated', details: '{}' },
    ]);
  });

  it('cannot suspend itself or another operator from the console', async () => {
    const other = await loginOperator(t);
    expect((await operator.post(`/api/operator/users/${operatorId}/suspend`, {})).status).toBe(400);
    expect((await operator.post(`/api/operator/users/${other.userId}/suspend`, {})).status).toBe(
      403,
    );
  });

  it('gets no workspace content: an operator is not a member, so workspace routes answer 404 and sync access is null', async () => {
    const owner = await signUp(t);
    for (const path of [
      `/api/workspaces/${owner.slug}`,
      `/api/workspaces/${owner.slug}/seats`,
      `/api/workspaces/${owner.slug}/invitations`,
      `/api/workspaces/${owner.slug}/audit`,
    ]) {
      const res = await operator.get(path);
      expect(res.status, path).toBe(404);
    }
    expect(t.server.services.workspaceAccess.of(operatorId, owner.workspaceId)).toBeNull();
    // Nor does any operator route return content: the customer list holds account fields only.
    const customer = await findCustomer(owner.slug);
    expect(Object.keys(customer.workspaces[0] ?? {}).sort()).toEqual([
      'deleteAfter',
      'id',
      'name',
      'plan',
      'readOnlyReason',
      'seatLimitOverride',
      'seats',
      'slug',
      'state',
      'trialEndsAt',
    ]);
  });

  it('needs a browser session: an operator’s access token is refused', async () => {
    const db = t.server.ctx.db;
    const owner = await signUp(t);
    // An operator who is also a member could mint a token for that workspace; it must not
    // open the console.
    db.prepare(`UPDATE users SET platform_role = 'operator' WHERE id = ?`).run(owner.userId);
    const token = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'script',
      workspaceId: owner.workspaceId,
    });
    expect(token.status).toBe(201);
    const res = await t.client().get('/api/operator/customers', { bearer: token.body.token });
    expect(res.status).toBe(403);
    db.prepare(`UPDATE users SET platform_role = NULL WHERE id = ?`).run(owner.userId);
  });

  it('audits targeted look-ups of customers and users, not the plain list', async () => {
    const before = (
      t.server.ctx.db
        .prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'operator.searched'`)
        .get() as {
        n: number;
      }
    ).n;
    await operator.get('/api/operator/customers');
    await operator.get('/api/operator/users?q=someone%40example.com');
    const rows = t.server.ctx.db
      .prepare(
        `SELECT actor_user_id, target_kind, details FROM audit_log WHERE action = 'operator.searched' ORDER BY id`,
      )
      .all()
      .slice(before);
    expect(rows).toEqual([
      {
        actor_user_id: operatorId,
        target_kind: 'users',
        details: JSON.stringify({ q: 'someone@example.com' }),
      },
    ]);
  });
});
