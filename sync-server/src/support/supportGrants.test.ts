import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, DocAccess, DocErrorCode, MessageType, type SupportGrant } from '@desk/protocol';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { addMember, loginOperator } from '../testing/workspaceTestSupport.ts';
import { SupportAuditAction } from './SupportGrants.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
beforeAll(async () => {
  t = await startAuthTestServer();
  operator = await loginOperator(t);
});
afterAll(() => t.close());

type Owner = Awaited<ReturnType<typeof signUp>>;
type GrantBody = { grant: SupportGrant };

async function grant(
  owner: Owner,
  body: { reason?: string; durationMs?: number; access?: 'read' | 'write' } = {},
): Promise<SupportGrant> {
  const res = await owner.client.post<GrantBody>(`/api/workspaces/${owner.slug}/support-grants`, {
    reason: 'Ticket 42 shows the wrong assignee',
    durationMs: 2 * HOUR,
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.grant;
}

async function auditActions(owner: Owner): Promise<{ action: string; details: object }[]> {
  const res = await owner.client.get<{ entries: { action: string; details: object }[] }>(
    `/api/workspaces/${owner.slug}/audit`,
  );
  expect(res.status).toBe(200);
  return res.body.entries;
}

const cookie = (client: TestClient) => `${SESSION_COOKIE}=${client.sessionToken}`;

/**
 * /sync with the operator's session: subscribe to the workspace's index doc, then try one
 * change. `none:<code>` when the subscription is refused; else the access it was given and
 * what became of the change (`written` when acked, else the docError code).
 */
async function syncCell(workspaceId: string): Promise<string> {
  const sync = await TestSyncClient.connect(t.server.url, {
    origin: TEST_PUBLIC_URL,
    cookie: cookie(operator.client),
  });
  const docId = `${workspaceId}:index`;
  try {
    const doc = sync.subscribe(docId);
    const answer = await sync.waitFor(
      (m) =>
        (m.type === MessageType.subscribed || m.type === MessageType.docError) && m.docId === docId,
    );
    if (answer.type === MessageType.docError) return `none:${answer.code}`;
    if (answer.type !== MessageType.subscribed) return 'unexpected';
    await sync.synced(docId);
    const access = answer.access === DocAccess.write ? 'write' : 'read';
    const from = sync.messages.length;
    doc.getMap('settings').set('supportNote', 'looked at it');
    const result = await sync.waitFor(
      (m) => (m.type === MessageType.ack || m.type === MessageType.docError) && m.docId === docId,
      from,
    );
    return `${access}:${result.type === MessageType.ack ? 'written' : (result as { code: string }).code}`;
  } finally {
    sync.ws.terminate();
  }
}

/** /yjs with the operator's session: `synced`, or the close code. */
async function yjsCell(workspaceId: string): Promise<string> {
  const url = new URL(`/yjs/${workspaceId}:index`, t.server.url.replace(/^http/, 'ws'));
  const ws = new WebSocket(url, {
    origin: TEST_PUBLIC_URL,
    headers: { cookie: cookie(operator.client) },
  });
  try {
    return await new Promise<string>((resolve) => {
      ws.on('error', () => {});
      ws.once('message', () => resolve('synced'));
      ws.once('close', (code) => resolve(`close ${code}`));
    });
  } finally {
    ws.terminate();
  }
}

describe('granting support access (terms §3)', () => {
  it('lets the owner grant for a reason and 1 hour to 7 days, read-only by default, and lists it', async () => {
    const owner = await signUp(t);
    const base = `/api/workspaces/${owner.slug}/support-grants`;
    for (const bad of [
      { reason: '', durationMs: 2 * HOUR },
      { reason: 'why', durationMs: HOUR - 1 },
      { reason: 'why', durationMs: 7 * DAY + 1 },
      { reason: 'why', durationMs: 2 * HOUR, access: 'admin' },
    ]) {
      expect((await owner.client.post(base, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const created = await grant(owner, { durationMs: HOUR });
    expect(created).toMatchObject({
      access: 'read',
      status: 'active',
      reason: 'Ticket 42 shows the wrong assignee',
      expiresAt: t.clock.now + HOUR,
      grantedBy: { userId: owner.userId },
      revokedAt: null,
    });
    const list = await owner.client.get<{ grants: SupportGrant[] }>(base);
    expect(list.body.grants.map((g) => g.id)).toEqual([created.id]);
    const entries = await auditActions(owner);
    expect(entries[0]).toMatchObject({
      action: SupportAuditAction.granted,
      details: { reason: created.reason, access: 'read', expiresAt: created.expiresAt },
    });
  });

  it('lets admins grant and revoke, and refuses agents and viewers', async () => {
    const owner = await signUp(t);
    const base = `/api/workspaces/${owner.slug}/support-grants`;
    const admin = await addMember(
      t,
      owner.client,
      owner.slug,
      `adm-${owner.userId}@example.com`,
      'admin',
    );
    const agent = await addMember(
      t,
      owner.client,
      owner.slug,
      `agt-${owner.userId}@example.com`,
      'agent',
    );
    const body = { reason: 'why', durationMs: 2 * HOUR };
    expect((await agent.client.post(base, body)).status).toBe(403);
    expect((await agent.client.get(base)).status).toBe(403);
    const made = await admin.client.post<GrantBody>(base, body);
    expect(made.status).toBe(201);
    const revoked = await admin.client.delete<GrantBody>(`${base}/${made.body.grant.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.grant).toMatchObject({
      status: 'revoked',
      revokedBy: { userId: admin.userId },
    });
    // A second revocation changes nothing and writes no entry.
    const again = await admin.client.delete<GrantBody>(`${base}/${made.body.grant.id}`);
    expect(again.body.grant.revokedAt).toBe(revoked.body.grant.revokedAt);
    expect((await owner.client.delete(`${base}/no-such-grant`)).status).toBe(404);
    const actions = (await auditActions(owner)).map((e) => e.action);
    expect(actions.filter((a) => a === SupportAuditAction.revoked)).toHaveLength(1);
  });

  it('shows the operator the workspaces it may open now, and only those', async () => {
    const owner = await signUp(t);
    const active = await grant(owner, { access: 'write' });
    const revoked = await grant(owner);
    await owner.client.delete(`/api/workspaces/${owner.slug}/support-grants/${revoked.id}`);
    const list = await operator.client.get<{
      grants: { grantId: string; workspace: { slug: string }; access: string }[];
    }>('/api/operator/support-grants');
    expect(list.status).toBe(200);
    const mine = list.body.grants.filter((g) => g.workspace.slug === owner.slug);
    expect(mine).toEqual([
      expect.objectContaining({
        grantId: active.id,
        access: 'write',
        workspace: expect.objectContaining({ slug: owner.slug }),
      }),
    ]);
    expect((await owner.client.get('/api/operator/support-grants')).status).toBe(403);
  });
});

/**
 * The grant matrix (issue 16): none / expired / revoked / active × read / write grant, over
 * REST (a read: the workspace; a write: a ticket number) and sync (/sync subscribe + one
 * change; /yjs). Each cell is a fresh workspace whose grant is put in that state, then the
 * operator tries everything.
 */
describe('the grant matrix', () => {
  const states = ['none', 'expired', 'revoked', 'active'] as const;
  const accesses = ['read', 'write'] as const;
  const refused = 'rest-read 404 · rest-write 404 · sync none:not_member · yjs close 4404';
  const expected: Record<string, string> = {
    'none read': refused,
    'none write': refused,
    'expired read': refused,
    'expired write': refused,
    'revoked read': refused,
    'revoked write': refused,
    'active read': 'rest-read 200 · rest-write 403 · sync read:read_only_role · yjs synced',
    'active write': 'rest-read 200 · rest-write 201 · sync write:written · yjs synced',
  };

  it('ACCESS-5 answers every state × access as the table says', async () => {
    const actual: Record<string, string> = {};
    for (const state of states) {
      for (const access of accesses) {
        const owner = await signUp(t);
        if (state !== 'none') {
          const made = await grant(owner, { access, durationMs: HOUR });
          if (state === 'expired') t.clock.advance(HOUR);
          if (state === 'revoked') {
            await owner.client.delete(`/api/workspaces/${owner.slug}/support-grants/${made.id}`);
          }
        }
        const read = await operator.client.get(`/api/workspaces/${owner.slug}`);
        const write = await operator.client.post(
          `/api/workspaces/${owner.slug}/ticket-numbers`,
          {},
        );
        actual[`${state} ${access}`] = [
          `rest-read ${read.status}`,
          `rest-write ${write.status}`,
          `sync ${await syncCell(owner.workspaceId)}`,
          `yjs ${await yjsCell(owner.workspaceId)}`,
        ].join(' · ');
      }
    }
    expect(actual).toEqual(expected);
  });

  it('opens snapshot reads to a grant, never taking one, nor settings, seats or the audit log', async () => {
    const owner = await signUp(t);
    const snapshots = `/api/workspaces/${owner.slug}/snapshots`;
    expect((await owner.client.post(snapshots, {})).status).toBe(201);
    expect((await operator.client.get(snapshots)).status).toBe(404);
    await grant(owner, { access: 'write' });
    expect((await operator.client.get(snapshots)).status).toBe(200);
    expect((await operator.client.post(snapshots, {})).status).toBe(403);
    // Settings, members and the audit log stay the customer's.
    expect((await operator.client.get(`/api/workspaces/${owner.slug}/audit`)).status).toBe(403);
    expect((await operator.client.get(`/api/workspaces/${owner.slug}/seats`)).status).toBe(403);
    expect((await operator.client.get(`/api/workspaces/${owner.slug}/support-grants`)).status).toBe(
      403,
    );
  });

  it('opens only the workspace whose grant it is', async () => {
    const granting = await signUp(t);
    const other = await signUp(t);
    await grant(granting, { access: 'write' });
    expect((await operator.client.get(`/api/workspaces/${granting.slug}`)).status).toBe(200);
    expect((await operator.client.get(`/api/workspaces/${other.slug}`)).status).toBe(404);
    expect(await syncCell(other.workspaceId)).toBe('none:not_member');
    expect(await yjsCell(other.workspaceId)).toBe('close 4404');
  });

  it('opens nothing to an operator token, even under a grant', async () => {
    const owner = await signUp(t);
    await grant(owner);
    // Tokens are made for a workspace the user belongs to; one made by the store for the
    // granted workspace still opens nothing there (grants are for browser sessions).
    const { token } = t.server.services.tokens.create({
      userId: operator.userId,
      workspaceId: owner.workspaceId,
      name: 'sneaky',
      expiresAt: null,
    });
    const res = await fetch(`${t.server.url}/api/workspaces/${owner.slug}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    const sync = await TestSyncClient.connect(t.server.url, { origin: TEST_PUBLIC_URL, token });
    try {
      // The token is refused at the upgrade, like at the REST API.
      expect((await sync.closed).code).toBe(CloseCode.unauthenticated);
    } finally {
      sync.ws.terminate();
    }
  });
});

describe('the workspace as the operator sees it', () => {
  it('says in the payload what the grant allows and until when; members see no such field', async () => {
    const owner = await signUp(t);
    const made = await grant(owner, { access: 'write' });
    const seen = await operator.client.get<{ workspace: Record<string, unknown> }>(
      `/api/workspaces/${owner.slug}`,
    );
    expect(seen.body.workspace).toMatchObject({
      role: 'agent',
      readOnly: false,
      support: { grantId: made.id, access: 'write', expiresAt: made.expiresAt },
    });
    const own = await owner.client.get<{ workspace: Record<string, unknown> }>(
      `/api/workspaces/${owner.slug}`,
    );
    expect(own.body.workspace).not.toHaveProperty('support');
  });
});

describe('a grant that ends', () => {
  it('ACCESS-5 closes the operator’s live /yjs socket and /sync subscription when revoked', async () => {
    const owner = await signUp(t);
    const made = await grant(owner);
    const docId = `${owner.workspaceId}:index`;
    const sync = await TestSyncClient.connect(t.server.url, {
      origin: TEST_PUBLIC_URL,
      cookie: cookie(operator.client),
    });
    const ws = new WebSocket(new URL(`/yjs/${docId}`, t.server.url.replace(/^http/, 'ws')), {
      origin: TEST_PUBLIC_URL,
      headers: { cookie: cookie(operator.client) },
    });
    try {
      const yjsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('message', resolve));
      sync.subscribe(docId);
      await sync.synced(docId);
      const from = sync.messages.length;
      await owner.client.delete(`/api/workspaces/${owner.slug}/support-grants/${made.id}`);
      expect(await yjsClosed).toBe(CloseCode.docRefused);
      // Waits for the end itself (a read-only grant's refusals may come first).
      await sync.waitFor(
        (m) =>
          m.type === MessageType.docError &&
          m.docId === docId &&
          m.code === DocErrorCode.accessRevoked,
        from,
      );
      expect((await operator.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
    } finally {
      ws.terminate();
      sync.ws.terminate();
    }
  });

  it('ACCESS-5 ends at its expiry by the clock: requests refused at once, sockets closed and audited at the check', async () => {
    const owner = await signUp(t);
    const made = await grant(owner, { durationMs: HOUR });
    const docId = `${owner.workspaceId}:index`;
    const sync = await TestSyncClient.connect(t.server.url, {
      origin: TEST_PUBLIC_URL,
      cookie: cookie(operator.client),
    });
    try {
      sync.subscribe(docId);
      await sync.synced(docId);
      const from = sync.messages.length;
      t.clock.advance(HOUR);
      expect((await operator.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
      await t.server.services.supportExpiry.check();
      // Waits for the end itself (a read-only grant's refusals may come first).
      await sync.waitFor(
        (m) =>
          m.type === MessageType.docError &&
          m.docId === docId &&
          m.code === DocErrorCode.accessRevoked,
        from,
      );
      const expired = (await auditActions(owner)).filter(
        (e) => e.action === SupportAuditAction.expired,
      );
      expect(expired).toEqual([
        expect.objectContaining({
          details: expect.objectContaining({ expiresAt: made.expiresAt }),
        }),
      ]);
      // Noticed once: a second check writes nothing more.
      await t.server.services.supportExpiry.check();
      const again = (await auditActions(owner)).filter(
        (e) => e.action === SupportAuditAction.expired,
      );
      expect(again).toHaveLength(1);
    } finally {
      sync.ws.terminate();
    }
  });
});

describe('the audit log of support reads', () => {
  it('records every request and every document the operator opens under a grant', async () => {
    const owner = await signUp(t);
    const made = await grant(owner);
    await operator.client.get(`/api/workspaces/${owner.slug}`);
    await operator.client.get(`/api/workspaces/${owner.slug}/usage`);
    await yjsCell(owner.workspaceId);
    const entries = await auditActions(owner);
    const requests = entries.filter((e) => e.action === SupportAuditAction.request);
    expect(requests.map((e) => e.details)).toEqual([
      { grantId: made.id, method: 'GET', path: `/api/workspaces/${owner.slug}/usage`, status: 200 },
      { grantId: made.id, method: 'GET', path: `/api/workspaces/${owner.slug}`, status: 200 },
    ]);
    const opened = entries.filter((e) => e.action === SupportAuditAction.documentOpened);
    expect(opened.map((e) => e.details)).toEqual([
      { grantId: made.id, docId: `${owner.workspaceId}:index`, access: 'read' },
    ]);
    // Owners and admins see the counts beside the grant.
    const listed = await owner.client.get<{ grants: SupportGrant[] }>(
      `/api/workspaces/${owner.slug}/support-grants`,
    );
    expect(listed.body.grants[0]?.activity).toEqual({ requests: 2, documentsOpened: 1 });
    // Members' own requests are not support reads.
    await owner.client.get(`/api/workspaces/${owner.slug}`);
    const after = await auditActions(owner);
    expect(after.filter((e) => e.action === SupportAuditAction.request)).toHaveLength(2);
  });

  it('records nothing for an operator without a grant (refused, nothing read)', async () => {
    const owner = await signUp(t);
    expect((await operator.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
    expect(await yjsCell(owner.workspaceId)).toBe('close 4404');
    const actions = (await auditActions(owner)).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('support'))).toEqual([]);
  });
});
