import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { addMember, recordAccessEvents } from '../testing/workspaceTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

type ErrorResponse = { error: { code: string } };
interface SeatsResponse {
  used: number;
  limit: number;
  history: {
    event: string;
    role: string | null;
    previousRole: string | null;
    email: string;
    actorUserId: string | null;
    seatsAfter: number;
  }[];
}

describe('members and seats', () => {
  it('lists members with roles for every member (assignees and mentions)', async () => {
    const owner = await signUp(t, { displayName: 'Olga' });
    const agent = await addMember(t, owner.client, owner.slug, 'list-agent@example.com', 'agent');
    const res = await agent.client.get<{
      workspace: { role: string; seats: { used: number; limit: number }; plan: { id: string } };
      members: { userId: string; displayName: string; email: string; role: string }[];
    }>(`/api/workspaces/${owner.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.workspace).toMatchObject({
      role: 'agent',
      seats: { used: 2, limit: 5 },
      plan: { id: 'trial' },
    });
    expect(res.body.members.map((m) => [m.displayName, m.role])).toEqual([
      ['Olga', 'owner'],
      ['list-agent', 'agent'],
    ]);
  });

  it('answers 404 to a non-member, exactly as for a workspace that does not exist', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    const res = await stranger.client.get<ErrorResponse>(`/api/workspaces/${owner.slug}`);
    const missing = await stranger.client.get<ErrorResponse>('/api/workspaces/no-such-space');
    expect(res.status).toBe(404);
    expect(res.body).toEqual(missing.body);
  });

  it('removing a member frees the seat, ends their access, emits the event and records the ledger', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'removed@example.com');
    const events = recordAccessEvents(t);
    const res = await owner.client.delete(`/api/workspaces/${owner.slug}/members/${member.userId}`);
    expect(res.status).toBe(200);
    expect(events).toEqual([
      {
        name: 'membershipChanged',
        payload: { workspaceId: owner.workspaceId, userId: member.userId, role: null },
      },
    ]);
    expect(t.server.services.workspaceAccess.of(member.userId, owner.workspaceId)).toBeNull();
    expect((await member.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
    const seats = await owner.client.get<SeatsResponse>(`/api/workspaces/${owner.slug}/seats`);
    expect(seats.body.used).toBe(1);
    expect(seats.body.history[0]).toMatchObject({
      event: 'removed',
      previousRole: 'agent',
      email: 'removed@example.com',
      actorUserId: owner.userId,
      seatsAfter: 1,
    });
    // Their account remains (what they wrote keeps its author).
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE id = ?').get(member.userId),
    ).toBeTruthy();
  });

  it('records joined, role changed and removed in the seat ledger, newest first', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'ledger@example.com', 'agent');
    await owner.client.patch(`/api/workspaces/${owner.slug}/members/${member.userId}`, {
      role: 'viewer',
    });
    await owner.client.delete(`/api/workspaces/${owner.slug}/members/${member.userId}`);
    const seats = await owner.client.get<SeatsResponse>(`/api/workspaces/${owner.slug}/seats`);
    expect(seats.body.history.map((h) => [h.event, h.role, h.previousRole, h.seatsAfter])).toEqual([
      ['removed', null, 'viewer', 1],
      ['role_changed', 'viewer', 'agent', 2],
      ['joined', 'agent', null, 2],
      ['joined', 'owner', null, 1],
    ]);
  });

  it('emits membershipChanged when a role changes, and a viewer becomes read-only', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'demoted@example.com', 'agent');
    const events = recordAccessEvents(t);
    const res = await owner.client.patch(`/api/workspaces/${owner.slug}/members/${member.userId}`, {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    expect(events).toEqual([
      {
        name: 'membershipChanged',
        payload: { workspaceId: owner.workspaceId, userId: member.userId, role: 'viewer' },
      },
    ]);
    expect(t.server.services.workspaceAccess.of(member.userId, owner.workspaceId)).toMatchObject({
      canWrite: false,
      readOnlyReason: 'viewer',
    });
  });

  it('lets admins manage agents and viewers but not other admins or the owner', async () => {
    const owner = await signUp(t);
    const admin = await addMember(t, owner.client, owner.slug, 'adm1@example.com', 'admin');
    const admin2 = await addMember(t, owner.client, owner.slug, 'adm2@example.com', 'admin');
    const agent = await addMember(t, owner.client, owner.slug, 'agt@example.com', 'agent');
    const base = `/api/workspaces/${owner.slug}/members`;
    expect((await admin.client.patch(`${base}/${agent.userId}`, { role: 'viewer' })).status).toBe(
      200,
    );
    expect((await admin.client.patch(`${base}/${agent.userId}`, { role: 'admin' })).status).toBe(
      403,
    );
    expect((await admin.client.delete(`${base}/${admin2.userId}`)).status).toBe(403);
    expect((await admin.client.delete(`${base}/${owner.userId}`)).status).toBe(403);
    expect((await agent.client.delete(`${base}/${admin.userId}`)).status).toBe(403);
  });

  it('lets a member leave, but not the owner', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'leaver@example.com');
    expect(
      (await member.client.delete(`/api/workspaces/${owner.slug}/members/${member.userId}`)).status,
    ).toBe(200);
    const ownerLeaves = await owner.client.delete<ErrorResponse>(
      `/api/workspaces/${owner.slug}/members/${owner.userId}`,
    );
    expect(ownerLeaves.status).toBe(403);
  });

  it('transfers ownership: the new owner owns, the old owner becomes an admin', async () => {
    const owner = await signUp(t);
    const heir = await addMember(t, owner.client, owner.slug, 'heir@example.com', 'agent');
    const events = recordAccessEvents(t);
    const res = await owner.client.post(`/api/workspaces/${owner.slug}/transfer-ownership`, {
      userId: heir.userId,
    });
    expect(res.status).toBe(200);
    const db = t.server.ctx.db;
    expect(t.server.services.workspaceAccess.of(heir.userId, owner.workspaceId)?.role).toBe(
      'owner',
    );
    expect(t.server.services.workspaceAccess.of(owner.userId, owner.workspaceId)?.role).toBe(
      'admin',
    );
    expect(events.map((e) => e.payload)).toEqual([
      { workspaceId: owner.workspaceId, userId: heir.userId, role: 'owner' },
      { workspaceId: owner.workspaceId, userId: owner.userId, role: 'admin' },
    ]);
    // The only workspace of the customer: the account owner moves with it.
    const customer = db
      .prepare(
        'SELECT owner_user_id FROM customers c JOIN workspaces w ON w.customer_id = c.id WHERE w.id = ?',
      )
      .get(owner.workspaceId) as { owner_user_id: string };
    expect(customer.owner_user_id).toBe(heir.userId);
    // The former owner can no longer transfer.
    const again = await owner.client.post<ErrorResponse>(
      `/api/workspaces/${owner.slug}/transfer-ownership`,
      {
        userId: owner.userId,
      },
    );
    expect(again.status).toBe(403);
  });

  it('creates another workspace for the same customer, in its own trial', async () => {
    const owner = await signUp(t);
    const slug = `second-${owner.slug}`.slice(0, 40);
    const res = await owner.client.post<{
      workspace: { slug: string; role: string; state: string; customer: { id: string } };
    }>('/api/workspaces', { name: 'Second desk', slug });
    expect(res.status).toBe(201);
    expect(res.body.workspace).toMatchObject({ slug, role: 'owner', state: 'trialing' });
    const first = await owner.client.get<{ workspace: { customer: { id: string } } }>(
      `/api/workspaces/${owner.slug}`,
    );
    expect(res.body.workspace.customer.id).toBe(first.body.workspace.customer.id);
    const taken = await owner.client.post<ErrorResponse>('/api/workspaces', { name: 'Dup', slug });
    expect(taken.body.error.code).toBe(ErrorCode.slugTaken);
    const list = await owner.client.get<{ workspaces: { slug: string }[] }>('/api/workspaces');
    expect(list.body.workspaces.map((w) => w.slug)).toEqual([owner.slug, slug]);
  });
});
