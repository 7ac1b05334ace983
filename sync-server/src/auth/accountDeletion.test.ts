import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, ErrorCode } from '@desk/protocol';
import { docIds } from '@desk/model';
import { until } from '@desk/protocol/testing';
import { readOutbox } from '../../../test/support/outbox.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
import { addMember, recordAccessEvents } from '../testing/workspaceTestSupport.ts';
import { DELETED_USER_NAME } from '../identity/UserStore.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

let n = 0;
const freshEmail = () => `leaver${Date.now().toString(36)}${++n}@example.com`;

function count(sql: string, ...params: unknown[]): number {
  return t.server.ctx.db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

/** Rows that say something about the person behind `userId` / `email`. */
function personalRows(userId: string, email: string) {
  return {
    sessions: count('SELECT COUNT(*) FROM sessions WHERE user_id = ?', userId),
    accessTokens: count('SELECT COUNT(*) FROM access_tokens WHERE user_id = ?', userId),
    passwordResets: count('SELECT COUNT(*) FROM password_resets WHERE user_id = ?', userId),
    pendingSignups: count('SELECT COUNT(*) FROM pending_signups WHERE email = ?', email),
    knownDevices: count('SELECT COUNT(*) FROM known_devices WHERE user_id = ?', userId),
    securityReports: count('SELECT COUNT(*) FROM security_reports WHERE user_id = ?', userId),
    memberships: count('SELECT COUNT(*) FROM memberships WHERE user_id = ?', userId),
    usersWithEmail: count('SELECT COUNT(*) FROM users WHERE email = ?', email),
  };
}

async function writeDoc(docId: string): Promise<void> {
  const doc = new Y.Doc();
  doc.getMap('root').set('note', 'private to me');
  await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc));
}

function deleteAccount(client: TestClient, password: string, bearer?: string) {
  return client.request('DELETE', '/api/auth/me', {
    body: { password },
    ...(bearer ? { bearer } : {}),
  });
}

/** An agent of a fresh workspace with a bit of everything an account accumulates. */
async function agentWithHistory() {
  const owner = await signUp(t);
  const email = freshEmail();
  const agent = await addMember(t, owner.client, owner.slug, email, 'agent');
  const { services } = t.server;
  const token = await agent.client.post<{ token: string }>('/api/auth/tokens', {
    name: 'script',
    workspaceId: owner.workspaceId,
  });
  expect(token.status).toBe(201);
  // A second browser: another session and a known device.
  const laptop = t.client();
  expect(
    (await laptop.post('/api/auth/login', { email, password: 'correct horse battery staple' }))
      .status,
  ).toBe(200);
  services.passwordResets.create(agent.userId);
  services.pendingSignups.create({
    email,
    displayName: 'Again',
    phone: null,
    passwordHash: 'x',
    customer: { kind: 'person', name: 'Me' },
    workspace: { name: 'Mine', slug: `mine-${n}-${Date.now().toString(36)}` },
    termsVersion: '1',
    ip: null,
  });
  services.securityReports.recordUnauthorizedUse({
    userId: agent.userId,
    note: null,
    ip: null,
    userAgent: null,
    sessionsEnded: 0,
  });
  await writeDoc(docIds.user(owner.workspaceId, agent.userId));
  await writeDoc(docIds.user(owner.workspaceId, owner.userId));
  return { owner, agent, email, token: token.body.token, laptop };
}

describe('a user deletes their own account (DELETE /api/auth/me)', () => {
  it('deletes exactly their sessions, tokens, reset links, sign-ups, devices, reports, memberships and private docs', async () => {
    const { owner, agent, email, laptop } = await agentWithHistory();
    const before = personalRows(agent.userId, email);
    expect(Object.values(before).every((rows) => rows > 0)).toBe(true);
    const ownerBefore = personalRows(owner.userId, owner.email);
    const events = recordAccessEvents(t);

    const res = await deleteAccount(agent.client, 'correct horse battery staple');

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ leftWorkspaces: ['Acme Support'] });
    expect(personalRows(agent.userId, email)).toEqual({
      sessions: 0,
      accessTokens: 0,
      passwordResets: 0,
      pendingSignups: 0,
      knownDevices: 0,
      securityReports: 0,
      memberships: 0,
      usersWithEmail: 0,
    });
    // The owner's rows and documents are untouched.
    expect(personalRows(owner.userId, owner.email)).toEqual(ownerBefore);
    expect(t.server.sync.store.load(docIds.user(owner.workspaceId, agent.userId))).toBeNull();
    expect(t.server.sync.store.load(docIds.user(owner.workspaceId, owner.userId))).not.toBeNull();
    // The row stays, anonymised, so authored content still resolves.
    const row = t.server.services.users.byId(agent.userId);
    expect(row).toMatchObject({ displayName: DELETED_USER_NAME, phone: null, passwordHash: '' });
    expect(row?.email).not.toContain(email.split('@')[0]);
    // The seat is freed as on removal, and live connections are told at once.
    expect(events).toContainEqual({
      name: 'membershipChanged',
      payload: { workspaceId: owner.workspaceId, userId: agent.userId, role: null },
    });
    expect(events.some((e) => e.name === 'sessionsRevoked')).toBe(true);
    // Both browsers are logged out; this one's cookie is cleared.
    expect(agent.client.sessionToken).toBeUndefined();
    expect((await laptop.get('/api/auth/me')).status).toBe(401);
    expect(
      (
        await t
          .client()
          .post('/api/auth/login', { email, password: 'correct horse battery staple' })
      ).status,
    ).toBe(401);
    // A confirmation goes to the old address (sent after the commit, not awaited).
    await until(
      () =>
        readOutbox(t.server.ctx.config.DATA_DIR, email).some((mail) =>
          mail.subject.endsWith('Your account was deleted'),
        ),
      'the confirmation mail',
    );
  });

  it('shows the other members an audit entry and "Deleted user" where the account was', async () => {
    const { owner, agent } = await agentWithHistory();
    expect((await deleteAccount(agent.client, 'correct horse battery staple')).status).toBe(200);

    const audit = await owner.client.get<{ entries: Record<string, unknown>[] }>(
      `/api/workspaces/${owner.slug}/audit`,
    );
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({
        action: 'account.deleted',
        actorUserId: agent.userId,
        actorDisplayName: DELETED_USER_NAME,
      }),
    );
    const workspace = await owner.client.get<{
      members: { userId: string }[];
      deletedUserIds: string[];
    }>(`/api/workspaces/${owner.slug}`);
    expect(workspace.status, JSON.stringify(workspace.body)).toBe(200);
    expect(workspace.body.members.map((m) => m.userId)).not.toContain(agent.userId);
    expect(workspace.body.deletedUserIds).toEqual([agent.userId]);
  });

  it('closes the account’s live sync socket at once', async () => {
    const { owner, agent } = await agentWithHistory();
    const socket = await TestSyncClient.connect(t.server.url, {
      cookie: `${SESSION_COOKIE}=${agent.client.sessionToken ?? ''}`,
      origin: TEST_PUBLIC_URL,
    });
    try {
      const docId = docIds.index(owner.workspaceId);
      socket.subscribe(docId);
      await socket.synced(docId);

      expect((await deleteAccount(agent.client, 'correct horse battery staple')).status).toBe(200);

      // Its login sessions end in the deletion's transaction: the socket is closed at once
      // (the membership change that follows would only have revoked the subscription).
      expect((await socket.closed).code).toBe(CloseCode.sessionRevoked);
    } finally {
      socket.ws.terminate();
    }
  });

  it('deletes a private doc held in a loaded room with a live client, and a write sent just before does not bring it back', async () => {
    const { owner, agent } = await agentWithHistory();
    const docId = docIds.user(owner.workspaceId, agent.userId);
    const socket = await TestSyncClient.connect(t.server.url, {
      cookie: `${SESSION_COOKIE}=${agent.client.sessionToken ?? ''}`,
      origin: TEST_PUBLIC_URL,
    });
    try {
      const doc = socket.subscribe(docId);
      await socket.synced(docId);
      doc.getMap('root').set('draft', 'one');
      await socket.allAcked(docId);
      expect(t.server.sync.rooms.get(docId)).toBeDefined();
      // Sent without waiting: stored before the deletion or never, not after it.
      doc.getMap('root').set('draft', 'two');

      expect((await deleteAccount(agent.client, 'correct horse battery staple')).status).toBe(200);
      await socket.closed;

      expect(t.server.sync.rooms.get(docId)).toBeUndefined();
      expect(t.server.sync.store.load(docId)).toBeNull();
      expect((await t.server.sync.readDocState(docId)).byteLength, 'the doc reads as empty').toBe(
        Y.encodeStateAsUpdate(new Y.Doc()).byteLength,
      );
    } finally {
      socket.ws.terminate();
    }
  });

  it('deletes the private doc of a workspace the account left earlier, and records a deletion that left no workspace', async () => {
    const { owner, agent } = await agentWithHistory();
    const docId = docIds.user(owner.workspaceId, agent.userId);
    const removed = await owner.client.request(
      'DELETE',
      `/api/workspaces/${owner.slug}/members/${agent.userId}`,
    );
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    // Removal keeps the private doc on the server (a member who comes back keeps it).
    expect(t.server.sync.store.load(docId)).not.toBeNull();

    const res = await deleteAccount(agent.client, 'correct horse battery staple');

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ leftWorkspaces: [] });
    expect(t.server.sync.store.load(docId)).toBeNull();
    expect(t.server.sync.store.load(docIds.user(owner.workspaceId, owner.userId))).not.toBeNull();
    expect(t.server.services.audit.list({ targetId: agent.userId })).toContainEqual(
      expect.objectContaining({ action: 'account.deleted', workspaceId: null }),
    );
  });

  it('lets the address sign up again', async () => {
    const { agent, email } = await agentWithHistory();
    expect((await deleteAccount(agent.client, 'correct horse battery staple')).status).toBe(200);
    const again = await signUp(t, { email });
    expect(again.userId).not.toBe(agent.userId);
    expect((await again.client.get('/api/auth/me')).status).toBe(200);
  });

  it('refuses the last owner of a workspace with last_owner and the workspace names, changing nothing', async () => {
    const owner = await signUp(t);
    const before = personalRows(owner.userId, owner.email);
    const res = await deleteAccount(owner.client, owner.password);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.lastOwner, workspaces: ['Acme Support'] },
    });
    expect((res.body as { error: { message: string } }).error.message).toContain(
      'Transfer ownership',
    );
    expect(personalRows(owner.userId, owner.email)).toEqual(before);
  });

  it('refuses a wrong password', async () => {
    const { agent, email } = await agentWithHistory();
    const res = await deleteAccount(agent.client, 'not my password');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.invalidCredentials, fields: { password: expect.any(String) } },
    });
    expect(personalRows(agent.userId, email).usersWithEmail).toBe(1);
  });

  it('refuses a personal access token, even with the right password', async () => {
    const { agent, email, token } = await agentWithHistory();
    const res = await deleteAccount(t.client(), 'correct horse battery staple', token);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.forbidden } });
    expect(personalRows(agent.userId, email).memberships).toBe(1);
  });

  it('refuses a request from another origin (the session cookie alone is not enough)', async () => {
    const { agent, email } = await agentWithHistory();
    const res = await agent.client.request('DELETE', '/api/auth/me', {
      body: { password: 'correct horse battery staple' },
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    expect(personalRows(agent.userId, email).memberships).toBe(1);
  });
});
