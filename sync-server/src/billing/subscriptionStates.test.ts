import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import {
  acceptByRegistering,
  addMember,
  invite,
  loginOperator,
  recordAccessEvents,
} from '../testing/workspaceTestSupport.ts';
import { DAY_MS } from './SubscriptionState.ts';
import { TrialSweeper } from './TrialSweeper.ts';

let t: AuthTestServer;
let operator: TestClient;
beforeAll(async () => {
  t = await startAuthTestServer();
  operator = (await loginOperator(t)).client;
});
afterAll(() => t.close());

interface WorkspaceResponse {
  workspace: {
    state: string;
    readOnly: boolean;
    readOnlyReason: string | null;
    trialEndsAt: number | null;
    deleteAfter: number | null;
    plan: { id: string };
    seats: { used: number; limit: number };
  };
  members: unknown[];
}
type ErrorResponse = { error: { code: string } };

async function setState(workspaceId: string, state: string) {
  return operator.post<ErrorResponse & { changed: boolean }>(
    `/api/operator/workspaces/${workspaceId}/state`,
    { state },
  );
}

/** What a member can do now: read the workspace, write (sync), invite. */
async function capabilities(owner: Awaited<ReturnType<typeof signUp>>) {
  const read = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
  const access = t.server.services.workspaceAccess.of(owner.userId, owner.workspaceId);
  const inviteRes = await owner.client.post<ErrorResponse>(
    `/api/workspaces/${owner.slug}/invitations`,
    { email: `cap-${Math.random().toString(36).slice(2)}@example.com`, role: 'agent' },
  );
  return {
    read: read.status,
    state: read.body.workspace.state,
    readOnlyReason: read.body.workspace.readOnlyReason,
    canWrite: access?.canWrite,
    invite: inviteRes.status === 201 ? 'ok' : inviteRes.body.error.code,
  };
}

describe('subscription states and what they allow', () => {
  it('trialing: a new workspace has 14 days, 5 seats, and everything is allowed', async () => {
    const owner = await signUp(t);
    const ws = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
    expect(ws.body.workspace).toMatchObject({
      state: 'trialing',
      plan: { id: 'trial' },
      seats: { used: 1, limit: 5 },
      trialEndsAt: t.clock.now + 14 * DAY_MS,
    });
    expect(await capabilities(owner)).toEqual({
      read: 200,
      state: 'trialing',
      readOnlyReason: null,
      canWrite: true,
      invite: 'ok',
    });
  });

  it('trial expiry: read-only at once (reads still work, nothing deleted); the sweeper records it and emits', async () => {
    const owner = await signUp(t);
    await addMember(t, owner.client, owner.slug, 'trial-member@example.com');
    t.clock.advance(13 * DAY_MS);
    const { token } = await invite(t, owner.client, owner.slug, 'trial-late@example.com');
    const events = recordAccessEvents(t);
    t.clock.advance(1 * DAY_MS);
    expect(await capabilities(owner)).toEqual({
      read: 200,
      state: 'suspended',
      readOnlyReason: 'trial_expired',
      canWrite: false,
      invite: ErrorCode.workspaceReadOnly,
    });
    const accept = await acceptByRegistering(t, token);
    expect(accept.body.error?.code).toBe(ErrorCode.workspaceReadOnly);

    const swept = await new TrialSweeper(t.server.services).sweep();
    expect(swept).toContain(owner.workspaceId);
    expect(events).toContainEqual({
      name: 'workspaceStateChanged',
      payload: { workspaceId: owner.workspaceId },
    });
    const row = t.server.ctx.db
      .prepare('SELECT state, suspended_reason FROM subscriptions WHERE workspace_id = ?')
      .get(owner.workspaceId);
    expect(row).toEqual({ state: 'suspended', suspended_reason: 'trial_expired' });
    const ws = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
    expect(ws.body.members).toHaveLength(2);
    // A second pass finds nothing new to announce.
    expect(await new TrialSweeper(t.server.services).sweep()).not.toContain(owner.workspaceId);
  });

  it('an operator extending an expired trial makes the workspace writable again', async () => {
    const owner = await signUp(t);
    t.clock.advance(15 * DAY_MS);
    await new TrialSweeper(t.server.services).sweep();
    const res = await operator.patch(`/api/operator/workspaces/${owner.workspaceId}/subscription`, {
      trialEndsAt: t.clock.now + 7 * DAY_MS,
    });
    expect(res.status).toBe(200);
    expect(await capabilities(owner)).toMatchObject({
      state: 'trialing',
      canWrite: true,
      invite: 'ok',
    });
  });

  it('active: assigning a paid plan activates the workspace with that plan’s seats', async () => {
    const owner = await signUp(t);
    const events = recordAccessEvents(t);
    await operator.patch(`/api/operator/workspaces/${owner.workspaceId}/subscription`, {
      planId: 'starter',
    });
    expect(events).toContainEqual({
      name: 'workspaceStateChanged',
      payload: { workspaceId: owner.workspaceId },
    });
    const ws = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
    expect(ws.body.workspace).toMatchObject({
      state: 'active',
      plan: { id: 'starter' },
      seats: { limit: 10 },
      trialEndsAt: null,
    });
    expect(await capabilities(owner)).toMatchObject({ canWrite: true, invite: 'ok' });
  });

  it('past_due: still writable while the payment is retried', async () => {
    const owner = await signUp(t);
    await operator.patch(`/api/operator/workspaces/${owner.workspaceId}/subscription`, {
      planId: 'team',
    });
    expect((await setState(owner.workspaceId, 'past_due')).status).toBe(200);
    expect(await capabilities(owner)).toEqual({
      read: 200,
      state: 'past_due',
      readOnlyReason: null,
      canWrite: true,
      invite: 'ok',
    });
  });

  it('suspended: read-only with a typed reason; invitations and acceptances are refused; reads work', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'susp-member@example.com');
    const { token } = await invite(t, owner.client, owner.slug, 'susp-late@example.com');
    const events = recordAccessEvents(t);
    expect((await setState(owner.workspaceId, 'suspended')).status).toBe(200);
    expect(events).toEqual([
      { name: 'workspaceStateChanged', payload: { workspaceId: owner.workspaceId } },
    ]);
    expect(await capabilities(owner)).toEqual({
      read: 200,
      state: 'suspended',
      readOnlyReason: 'suspended',
      canWrite: false,
      invite: ErrorCode.workspaceSuspended,
    });
    expect(t.server.services.workspaceAccess.of(member.userId, owner.workspaceId)).toMatchObject({
      canWrite: false,
      readOnlyReason: 'suspended',
    });
    expect((await acceptByRegistering(t, token)).body.error?.code).toBe(
      ErrorCode.workspaceSuspended,
    );
    // Removing members still works: it frees seats (and lowers the bill).
    expect(
      (await owner.client.delete(`/api/workspaces/${owner.slug}/members/${member.userId}`)).status,
    ).toBe(200);
  });

  it('reactivation: a suspended workspace becomes active and writable', async () => {
    const owner = await signUp(t);
    await setState(owner.workspaceId, 'suspended');
    expect((await setState(owner.workspaceId, 'active')).status).toBe(200);
    expect(await capabilities(owner)).toMatchObject({
      state: 'active',
      canWrite: true,
      invite: 'ok',
    });
  });

  it('terminated: read-only and a 30-day grace period is recorded; nothing is deleted', async () => {
    const owner = await signUp(t);
    await setState(owner.workspaceId, 'suspended');
    expect((await setState(owner.workspaceId, 'terminated')).status).toBe(200);
    const ws = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
    expect(ws.body.workspace).toMatchObject({
      state: 'terminated',
      readOnly: true,
      readOnlyReason: 'terminated',
      deleteAfter: t.clock.now + 30 * DAY_MS,
    });
    expect(await capabilities(owner)).toMatchObject({
      read: 200,
      canWrite: false,
      invite: ErrorCode.workspaceTerminated,
    });
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(owner.workspaceId),
    ).toBeTruthy();
  });

  it('reactivation within the grace period clears the deletion date', async () => {
    const owner = await signUp(t);
    await setState(owner.workspaceId, 'terminated');
    await setState(owner.workspaceId, 'active');
    const ws = await owner.client.get<WorkspaceResponse>(`/api/workspaces/${owner.slug}`);
    expect(ws.body.workspace).toMatchObject({
      state: 'active',
      readOnly: false,
      deleteAfter: null,
    });
  });

  it('refuses transitions the state machine does not allow, with invalid_state_transition', async () => {
    const owner = await signUp(t);
    await setState(owner.workspaceId, 'terminated');
    const res = await setState(owner.workspaceId, 'past_due');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe(ErrorCode.invalidStateTransition);
  });

  it('a viewer stays read-only in an active workspace, with the reason viewer', async () => {
    const owner = await signUp(t);
    const viewer = await addMember(
      t,
      owner.client,
      owner.slug,
      'state-viewer@example.com',
      'viewer',
    );
    expect(t.server.services.workspaceAccess.of(viewer.userId, owner.workspaceId)).toMatchObject({
      role: 'viewer',
      canWrite: false,
      readOnlyReason: 'viewer',
    });
    await setState(owner.workspaceId, 'suspended');
    // The workspace's state is the more useful explanation.
    expect(
      t.server.services.workspaceAccess.of(viewer.userId, owner.workspaceId)?.readOnlyReason,
    ).toBe('suspended');
  });
});
