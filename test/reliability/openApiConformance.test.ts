import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelDoc } from '@desk/model';
import { ErrorBody } from '@desk/protocol/rest';
import * as Y from 'yjs';
import {
  signatureHeader,
  SIGNATURE_HEADER,
} from '../../sync-server/src/billing/webhookSignature.ts';
import {
  buildOpenApiDocument,
  routeTables,
} from '../../sync-server/src/openapi/openApiDocument.ts';
import {
  isRawBody,
  type RawBody,
  type RouteDoc,
} from '../../sync-server/src/http/openapi/routeDoc.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../../sync-server/src/testing/authTestServer.ts';
import { exportZipBytes } from '../../sync-server/src/testing/exportTestSupport.ts';
import { newId } from '../../sync-server/src/ids/newId.ts';
import { tokenFromOutbox } from '../support/outbox.ts';
import { AuthzWorld, type IdentityName } from './authz/authzWorld.ts';
import { credentialHeaders } from './authz/cells.ts';
import { installedRoutes } from './authz/routeTable.ts';

/**
 * The OpenAPI document against the real server (issue 14): every documented route is
 * called with a valid request on a real server (temp SQLite, real HTTP), and its answer must
 * be one the route table documents, with a body its protocol schema accepts — strictly: a
 * field the schema does not name fails too. Routes the app installs and the tables do not
 * document fail, and so do documented routes that do not exist.
 */

/** One valid request: who sends it, and what. Path parameters default to the target's. */
interface Call {
  readonly as: IdentityName;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** A non-JSON body with its headers (uploads), or a signed one (the billing webhook). */
  readonly raw?: {
    readonly body: string | Uint8Array<ArrayBuffer>;
    readonly headers: Record<string, string>;
  };
  readonly headers?: Record<string, string>;
}

const WEBHOOK_SECRET = 'conformance-webhook-secret-0123456789';
/** A 1 × 1 PNG, so the thumbnail route has an image to shrink. */
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: AuthTestServer;
let world: AuthzWorld;
/** The world's export, read once: a call's body is built synchronously. */
let exportZip: Buffer;
beforeAll(async () => {
  t = await startAuthTestServer({ BILLING_WEBHOOK_SECRET: WEBHOOK_SECRET });
  world = await AuthzWorld.build(t);
  exportZip = await exportZipBytes(t.server, world.exportId);
});
afterAll(() => t.close());

const unique = () => newId().slice(0, 10).toLowerCase();
const dataDir = () => t.server.ctx.config.DATA_DIR;

/** Sends one call; the body parsed as JSON when the answer is JSON. */
async function send(
  route: Pick<RouteDoc, 'method' | 'path'>,
  call: Call,
): Promise<{ status: number; contentType: string; body: unknown }> {
  const { target } = world;
  const params: Record<string, string> = {
    slug: target.slug,
    snapshotId: target.snapshotId,
    exportId: world.exportId,
    ticketId: target.ticketId,
    noticeId: target.noticeId,
    sha256: target.blobSha256,
    ...call.params,
  };
  let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${route.path}`);
    return encodeURIComponent(value);
  });
  if (call.query) path += `?${new URLSearchParams(call.query)}`;
  const json = call.body !== undefined;
  const response = await fetch(t.server.url + path, {
    method: route.method.toUpperCase(),
    headers: {
      ...(call.raw ? {} : { origin: TEST_PUBLIC_URL }),
      ...credentialHeaders(world.credential(call.as)),
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...call.raw?.headers,
      ...call.headers,
    },
    body: call.raw ? call.raw.body : json ? JSON.stringify(call.body) : null,
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
  return {
    status: response.status,
    contentType,
    body: contentType.startsWith('application/json') && text ? JSON.parse(text) : text,
  };
}

/** A JSON call of `as`, failing the test at once unless it succeeds. */
async function succeed<T>(method: RouteDoc['method'], path: string, call: Call): Promise<T> {
  const response = await send({ method, path }, call);
  if (response.status >= 300) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as T;
}

/** A case about a message of a new channel of the target (a fresh item each time). */
async function messageCase(): Promise<string> {
  const docId = `${world.target.id}:channel:${unique()}`;
  const channel = new ChannelDoc(new Y.Doc());
  channel.post({ id: 'm1', body: 'A message' }, { id: world.target.ownerId, name: 'Owner' }, 1);
  await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(channel.doc));
  const { case: opened } = await succeed<{ case: { id: string } }>('post', '/api/operator/cases', {
    as: 'operatorNoGrant',
    body: {
      workspace: world.target.slug,
      item: { kind: 'message', docId, itemId: 'm1' },
      source: 'ip_notice',
      reference: 'CONF-3',
    },
  });
  return opened.id;
}

/** A fresh owner with a known password, logged in as the `removedMember` identity's slot. */
async function freshOwner() {
  const owner = await signUp(t);
  world.credentials.set('removedMember', { kind: 'session', token: owner.client.sessionToken! });
  return owner;
}

/** An invitation to a new address of the target workspace, and its token from the mail. */
async function invitationToken(): Promise<{ email: string; token: string }> {
  const email = `invited-${unique()}@example.com`;
  await succeed('post', '/api/workspaces/{slug}/invitations', {
    as: 'admin',
    body: { email, role: 'agent' },
  });
  return { email, token: tokenFromOutbox(dataDir(), email, '/invite') };
}

/**
 * Sign-ups from this test's one address count towards its limit; each sign-up call starts
 * from none (through the server's limiter, so on either backend).
 */
async function forgetSignupAttempts(): Promise<void> {
  for (const key of ['signup:ip:127.0.0.1', 'signup:ip:unknown', 'signup-confirm:ip:127.0.0.1']) {
    await t.server.services.limiter.reset(key);
  }
}

/** The valid request of every documented route, keyed as Hono names it. */
const requests: Record<string, () => Call | Promise<Call>> = {
  'GET /healthz': () => ({ as: 'anonymous' }),
  'GET /readyz': () => ({ as: 'anonymous' }),
  'GET /api/openapi.json': () => ({ as: 'anonymous' }),

  'POST /api/auth/signup': async () => {
    await forgetSignupAttempts();
    const n = unique();
    return {
      as: 'anonymous',
      body: {
        email: `new-${n}@example.com`,
        password: STRONG_PASSWORD,
        displayName: 'New Owner',
        customer: { kind: 'organization', name: 'New Co' },
        workspace: { name: 'New Co Support', slug: `new-${n}` },
        acceptTerms: true,
      },
    };
  },
  'POST /api/auth/signup/confirm': async () => {
    await forgetSignupAttempts();
    const n = unique();
    const email = `confirm-${n}@example.com`;
    await succeed('post', '/api/auth/signup', {
      as: 'anonymous',
      body: {
        email,
        password: STRONG_PASSWORD,
        displayName: 'Confirming Owner',
        customer: { kind: 'person', name: 'Confirming Owner' },
        workspace: { name: 'Mine', slug: `mine-${n}` },
        acceptTerms: true,
      },
    });
    return {
      as: 'anonymous',
      body: { token: tokenFromOutbox(dataDir(), email, '/signup/confirm') },
    };
  },
  'POST /api/auth/login': async () => {
    const owner = await signUp(t);
    return { as: 'anonymous', body: { email: owner.email, password: owner.password } };
  },
  'POST /api/auth/logout': () => ({ as: 'agent' }),
  'POST /api/auth/clear-http-cache': () => ({ as: 'anonymous' }),
  'POST /api/auth/logout-everywhere': () => ({ as: 'agent' }),
  'GET /api/auth/me': () => ({ as: 'token' }),
  'PATCH /api/auth/me': () => ({ as: 'agent', body: { displayName: 'Agent Smith', phone: null } }),
  'DELETE /api/auth/me': async () => {
    // A member of its own, not an owner (an owner is refused with last_owner), in the slot.
    const { token } = await invitationToken();
    const leaver = t.client();
    const accepted = await leaver.post('/api/invitations/accept', {
      token,
      displayName: 'Leaving Soon',
      password: STRONG_PASSWORD,
      acceptTerms: true,
    });
    if (accepted.status !== 201) throw new Error(`accept: ${JSON.stringify(accepted.body)}`);
    world.credentials.set('removedMember', { kind: 'session', token: leaver.sessionToken! });
    return { as: 'removedMember', body: { password: STRONG_PASSWORD } };
  },
  'POST /api/auth/terms': async () => {
    const terms = await succeed<{ current: { version: string } }>('get', '/api/terms', {
      as: 'anonymous',
    });
    return { as: 'agent', body: { version: terms.current.version } };
  },
  'GET /api/auth/sessions': () => ({ as: 'agent' }),
  'DELETE /api/auth/sessions/:id': async () => ({
    as: 'owner',
    params: { id: (await world.newSession(world.target.ownerId)).id },
  }),
  'POST /api/auth/password': async () => {
    const owner = await freshOwner();
    return {
      as: 'removedMember',
      body: { currentPassword: owner.password, newPassword: 'a different long passphrase 42' },
    };
  },
  'POST /api/auth/password/forgot': () => ({
    as: 'anonymous',
    body: { email: `nobody-${unique()}@example.com` },
  }),
  'POST /api/auth/password/reset': async () => {
    const owner = await signUp(t);
    await succeed('post', '/api/auth/password/forgot', {
      as: 'anonymous',
      body: { email: owner.email },
    });
    return {
      as: 'anonymous',
      body: {
        token: tokenFromOutbox(dataDir(), owner.email, '/reset'),
        password: 'a brand new long passphrase 7',
      },
    };
  },
  'POST /api/auth/report-unauthorized-use': async () => {
    await freshOwner();
    return { as: 'removedMember', body: { note: 'Not me.' } };
  },
  'GET /api/security-reports': () => ({ as: 'operatorNoGrant' }),
  'GET /api/auth/tokens': () => ({ as: 'agent' }),
  'POST /api/auth/tokens': () => ({
    as: 'agent',
    body: { name: 'CI', workspaceId: world.target.id, expiresInDays: 30 },
  }),
  'DELETE /api/auth/tokens/:id': async () => ({
    as: 'owner',
    params: { id: await world.disposableTokenId() },
  }),
  'GET /api/mailbox': () => ({ as: 'operatorNoGrant' }),

  'GET /api/workspaces': () => ({ as: 'agent' }),
  'POST /api/workspaces': () => ({
    as: 'agent',
    body: { name: 'Side project', slug: `side-${unique()}` },
  }),
  'GET /api/workspaces/:slug': () => ({ as: 'token' }),
  'PATCH /api/workspaces/:slug': () => ({ as: 'admin', body: { name: 'Acme Helpdesk' } }),
  'GET /api/workspaces/:slug/seats': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/audit': () => ({ as: 'owner' }),
  'GET /api/workspaces/:slug/support-grants': () => ({ as: 'admin' }),
  'POST /api/workspaces/:slug/support-grants': () => ({
    as: 'owner',
    body: { reason: 'Conformance check', durationMs: 60 * 60 * 1000 },
  }),
  'DELETE /api/workspaces/:slug/support-grants/:grantId': async () => {
    const { grant } = await succeed<{ grant: { id: string } }>(
      'post',
      '/api/workspaces/{slug}/support-grants',
      { as: 'admin', body: { reason: 'To be revoked', durationMs: 60 * 60 * 1000 } },
    );
    return { as: 'admin', params: { grantId: grant.id } };
  },
  'GET /api/operator/support-grants': () => ({ as: 'operatorNoGrant' }),
  'GET /api/operator/deletions': () => ({ as: 'operatorNoGrant' }),
  'PATCH /api/workspaces/:slug/members/:userId': async () => ({
    as: 'admin',
    params: { userId: await world.disposableMember() },
    body: { role: 'viewer' },
  }),
  'DELETE /api/workspaces/:slug/members/:userId': async () => ({
    as: 'admin',
    params: { userId: await world.disposableMember() },
  }),
  'POST /api/workspaces/:slug/transfer-ownership': async () => {
    // In a workspace of its own, so the target keeps its owner for the other calls.
    const owner = await freshOwner();
    const userId = await world.disposableMember(owner.workspaceId);
    return { as: 'removedMember', params: { slug: owner.slug }, body: { userId } };
  },
  'GET /api/workspaces/:slug/deletion': () => ({ as: 'viewer' }),
  'POST /api/workspaces/:slug/deletion': async () => {
    // A workspace of its own: the target must stay open for the other calls.
    const owner = await freshOwner();
    return {
      as: 'removedMember',
      params: { slug: owner.slug },
      body: { password: STRONG_PASSWORD },
    };
  },
  'DELETE /api/workspaces/:slug/deletion': async () => {
    const owner = await freshOwner();
    await succeed('post', '/api/workspaces/{slug}/deletion', {
      as: 'removedMember',
      params: { slug: owner.slug },
      body: { password: STRONG_PASSWORD },
    });
    return { as: 'removedMember', params: { slug: owner.slug } };
  },
  'GET /api/workspaces/:slug/invitations': () => ({ as: 'admin' }),
  'POST /api/workspaces/:slug/invitations': () => ({
    as: 'admin',
    body: { email: `invitee-${unique()}@example.com`, role: 'agent' },
  }),
  'POST /api/workspaces/:slug/invitations/:id/resend': () => ({
    as: 'admin',
    params: { id: world.target.invitationId },
  }),
  'DELETE /api/workspaces/:slug/invitations/:id': async () => ({
    as: 'admin',
    params: { id: await world.disposableInvitationId() },
  }),
  'POST /api/invitations/lookup': async () => ({
    as: 'anonymous',
    body: { token: (await invitationToken()).token },
  }),
  'POST /api/invitations/accept': async () => ({
    as: 'anonymous',
    body: {
      token: (await invitationToken()).token,
      displayName: 'New Agent',
      password: STRONG_PASSWORD,
      acceptTerms: true,
    },
  }),
  'GET /api/host': () => ({ as: 'anonymous' }),

  'GET /api/operator/plans': () => ({ as: 'operatorNoGrant' }),
  'GET /api/operator/customers': () => ({ as: 'operatorNoGrant', query: { q: 'acme' } }),
  'GET /api/operator/users': () => ({ as: 'operatorNoGrant', query: { q: 'example' } }),
  'PATCH /api/operator/workspaces/:id/subscription': () => ({
    as: 'operatorNoGrant',
    params: { id: world.target.id },
    body: { seatLimit: 200, note: 'Conformance.' },
  }),
  'POST /api/operator/workspaces/:id/state': () => ({
    as: 'operatorNoGrant',
    params: { id: world.target.id },
    body: { state: 'active' },
  }),
  'POST /api/operator/users/:id/suspend': () => ({
    as: 'operatorNoGrant',
    params: { id: world.target.spareUserId },
    body: { note: 'Conformance.' },
  }),
  'POST /api/operator/users/:id/reinstate': () => ({
    as: 'operatorNoGrant',
    params: { id: world.target.spareUserId },
    body: {},
  }),
  'GET /api/operator/audit': () => ({ as: 'operatorNoGrant' }),

  'POST /api/billing/webhook': () => {
    const body = JSON.stringify({
      id: `evt_${unique()}`,
      type: 'subscription.plan_changed',
      data: { workspaceId: world.target.id, planId: 'business' },
    });
    const signature = signatureHeader(WEBHOOK_SECRET, Math.floor(t.clock.now / 1000), body);
    return {
      as: 'anonymous',
      raw: { body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature } },
    };
  },

  'GET /api/terms': () => ({ as: 'anonymous' }),
  'GET /api/operator/terms': () => ({ as: 'operatorNoGrant' }),
  // Effective in a month: published now, enforced on nobody during this test.
  'POST /api/operator/terms': () => ({
    as: 'operatorNoGrant',
    body: {
      text: 'The terms, revised.',
      changes: 'Clearer wording.',
      effectiveAt: t.clock.now + 30 * 24 * 60 * 60 * 1000,
    },
  }),

  'GET /api/operator/announcements': () => ({ as: 'operatorNoGrant' }),
  'POST /api/operator/announcements': () => ({
    as: 'operatorNoGrant',
    body: { subject: 'New: ticket templates', text: 'Try them.', audience: 'owners' },
  }),
  'POST /api/operator/announcements/:id/retry': async () => {
    // A finished announcement whose one message failed.
    const { announcements } = t.server.services.control;
    const { id } = await announcements.create({
      subject: 'Retried',
      text: 'Again.',
      audience: 'owners',
      createdBy: world.target.ownerId,
    });
    await announcements.claim(id, world.target.ownerId);
    await announcements.settle(id, world.target.ownerId, 'failed');
    await announcements.finish(id);
    return { as: 'operatorNoGrant', params: { id } };
  },
  'GET /api/auth/announcements': () => ({ as: 'agent' }),
  'PUT /api/auth/announcements': () => ({ as: 'agent', body: { receive: true } }),
  'POST /api/auth/announcements/opt-out': async () => {
    const owner = await signUp(t);
    return {
      as: 'anonymous',
      body: { token: await t.server.services.optOutLinks.token(owner.userId) },
    };
  },
  // As a mail provider sends it (RFC 8058): no Origin, no cookie, a form body.
  'POST /api/auth/announcements/one-click': async () => {
    const owner = await signUp(t);
    return {
      as: 'anonymous',
      query: { token: await t.server.services.optOutLinks.token(owner.userId) },
      raw: {
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    };
  },

  'POST /api/workspaces/:slug/ticket-numbers': () => ({ as: 'agent', body: { count: 5 } }),
  'POST /api/workspaces/:slug/blobs': () => ({
    as: 'agent',
    raw: {
      body: ONE_PIXEL_PNG,
      headers: { 'content-type': 'image/png', 'x-file-name': 'pixel.png', origin: TEST_PUBLIC_URL },
    },
  }),
  'GET /api/workspaces/:slug/blobs/:sha256': () => ({ as: 'agent' }),
  'GET /api/workspaces/:slug/blobs/:sha256/thumbnail': () => ({ as: 'agent' }),

  // Terms §4. Decisions act on a message of a fresh channel, so nothing other routes read
  // (the target's ticket, notice, file) is ever disabled.
  'POST /api/workspaces/:slug/reports': () => ({
    as: 'agent',
    body: {
      item: { kind: 'ticket', docId: `${world.target.id}:ticket:${world.target.ticketId}` },
      category: 'harm',
      text: 'Conformance report',
    },
  }),
  'GET /api/workspaces/:slug/reports': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/disabled': () => ({ as: 'agent' }),
  'GET /api/operator/cases': () => ({ as: 'operatorNoGrant' }),
  'POST /api/operator/cases': () => ({
    as: 'operatorNoGrant',
    body: {
      workspace: world.target.slug,
      item: { kind: 'attachment', blobId: world.target.blobSha256 },
      source: 'ip_notice',
      reference: 'CONF-1',
      text: 'A notice',
    },
  }),
  'GET /api/operator/cases/:caseId': async () => ({
    as: 'operatorNoGrant',
    params: { caseId: await messageCase() },
  }),
  'GET /api/operator/cases/:caseId/file': async () => {
    const { case: opened } = await succeed<{ case: { id: string } }>(
      'post',
      '/api/operator/cases',
      {
        as: 'operatorNoGrant',
        body: {
          workspace: world.target.id,
          item: { kind: 'attachment', blobId: world.target.blobSha256 },
          source: 'authority_notice',
          reference: 'CONF-2',
        },
      },
    );
    return { as: 'operatorNoGrant', params: { caseId: opened.id } };
  },
  'POST /api/operator/cases/:caseId/disable': async () => ({
    as: 'operatorNoGrant',
    params: { caseId: await messageCase() },
    body: { reason: 'Conformance' },
  }),
  'POST /api/operator/cases/:caseId/enable': async () => {
    const caseId = await messageCase();
    await succeed('post', `/api/operator/cases/${caseId}/disable`, {
      as: 'operatorNoGrant',
      body: { reason: 'Conformance' },
    });
    return { as: 'operatorNoGrant', params: { caseId }, body: { reason: 'Conformance' } };
  },

  'GET /api/workspaces/:slug/snapshots': () => ({ as: 'admin' }),
  'POST /api/workspaces/:slug/snapshots': () => ({ as: 'admin', body: { label: 'Before' } }),
  'GET /api/workspaces/:slug/snapshots/:snapshotId': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/snapshots/:snapshotId/diff': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/snapshots/:snapshotId/tickets/:ticketId': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/snapshots/:snapshotId/notices/:noticeId': () => ({ as: 'admin' }),
  'POST /api/workspaces/:slug/snapshots/:snapshotId/restore': () => ({
    as: 'admin',
    body: { scope: 'ticket', ticketId: world.target.ticketId },
  }),
  'POST /api/workspaces/:slug/snapshots/:snapshotId/undo': async () => {
    const restored = await succeed<{ preRestoreSnapshotId: string }>(
      'post',
      '/api/workspaces/{slug}/snapshots/{snapshotId}/restore',
      { as: 'admin', body: { scope: 'workspace' } },
    );
    return { as: 'admin', params: { snapshotId: restored.preRestoreSnapshotId } };
  },

  'GET /api/workspaces/:slug/exports': () => ({ as: 'admin' }),
  'POST /api/workspaces/:slug/exports': () => ({ as: 'admin' }),
  'GET /api/workspaces/:slug/exports/:exportId': () => ({ as: 'owner' }),
  'GET /api/workspaces/:slug/exports/:exportId/download': () => ({ as: 'owner' }),
  'GET /api/export-format/v1/schema.json': () => ({ as: 'anonymous' }),
  'POST /api/workspace-imports': () => ({
    as: 'owner',
    query: { name: 'Imported desk', slug: `imported-${unique()}` },
    raw: {
      body: new Uint8Array(exportZip),
      headers: { 'content-type': 'application/zip', origin: TEST_PUBLIC_URL },
    },
  }),
  'GET /api/workspaces/:slug/usage': () => ({ as: 'token' }),
  'GET /api/workspaces/:slug/search': () => ({ as: 'agent', query: { q: 'ticket' } }),
  'GET /api/workspaces/:slug/tickets/first-page': () => ({ as: 'agent', query: { limit: '5' } }),
};

const documentedRoutes = routeTables.flat();
const keyOf = (route: Pick<RouteDoc, 'method' | 'path'>) =>
  `${route.method.toUpperCase()} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`;

/** REST routes only: the two socket endpoints are described in PROTOCOL.md. */
const SOCKET_ROUTES = new Set(['GET /sync', 'GET /yjs/:docId']);

/** A documented body or query schema (zod). */
type Schema = NonNullable<RouteDoc['query']> | Exclude<NonNullable<RouteDoc['body']>, RawBody>;

/**
 * Which schemas parsed something since the last `clear()`: each documented body and query
 * schema's `safeParse` is wrapped (the server runs in this process, on the same schema
 * objects), so a route that validates with another schema than its table row documents, or
 * with none, is seen.
 */
const parsedSchemas = (() => {
  const parsed = new Set<Schema>();
  const spied = new Set<Schema>();
  return {
    spy(schema: Schema) {
      if (spied.has(schema)) return;
      spied.add(schema);
      const original = schema.safeParse.bind(schema) as (...args: unknown[]) => unknown;
      (schema as { safeParse: unknown }).safeParse = (...args: unknown[]) => {
        parsed.add(schema);
        return original(...args);
      };
    },
    clear: () => parsed.clear(),
    has: (schema: Schema) => parsed.has(schema),
  };
})();

describe('the OpenAPI document against the real server', () => {
  it('documents every REST route the app installs, and no route it does not', () => {
    const installed = installedRoutes(t.server.app)
      .map((r) => r.key)
      .filter((key) => !SOCKET_ROUTES.has(key));
    const documented = documentedRoutes.map(keyOf);
    expect(installed.filter((key) => !documented.includes(key))).toEqual([]);
    expect(documented.filter((key) => !installed.includes(key))).toEqual([]);
  });

  it('has a valid request here for every documented route', () => {
    const documented = documentedRoutes.map(keyOf);
    expect(documented.filter((key) => !(key in requests))).toEqual([]);
    expect(Object.keys(requests).filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('answers every valid request as documented, with a body its schema accepts exactly, having validated the documented body and query schemas', async () => {
    const mismatches: string[] = [];
    for (const route of documentedRoutes) {
      const key = keyOf(route);
      const prepare = requests[key];
      if (!prepare) continue;
      // Fresh valid credentials per call: some routes end the caller's sessions and tokens.
      await world.refreshCredentials();
      const call = await prepare();
      const body = route.body && !isRawBody(route.body) ? route.body : null;
      if (body) parsedSchemas.spy(body);
      if (route.query) parsedSchemas.spy(route.query);
      parsedSchemas.clear();
      const response = await send(route, call);
      // The schemas the document shows are the ones the route validates with.
      if (body && call.body !== undefined && !parsedSchemas.has(body)) {
        mismatches.push(`${key}: its body was not validated with the documented schema`);
      }
      if (route.query && !parsedSchemas.has(route.query)) {
        mismatches.push(`${key}: its query was not validated with the documented schema`);
      }
      const documented = route.responses[response.status];
      if (response.status >= 400 || documented === undefined || typeof documented === 'string') {
        mismatches.push(`${key}: ${response.status} ${JSON.stringify(response.body)}`);
        continue;
      }
      if (documented.kind === 'raw') continue;
      if (!response.contentType.startsWith('application/json')) {
        mismatches.push(`${key}: ${response.status} is ${response.contentType}, not JSON`);
        continue;
      }
      const parsed = documented.schema.safeParse(response.body);
      if (!parsed.success) {
        mismatches.push(`${key}: ${response.status} ${JSON.stringify(parsed.error.issues)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses a caller without credentials only as documented, with the error body', async () => {
    const document = buildOpenApiDocument(TEST_PUBLIC_URL) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const mismatches: string[] = [];
    await world.refreshCredentials();
    for (const route of documentedRoutes) {
      if (route.auth === 'public' || route.auth === 'signed') continue;
      const params = { id: 'unknown', userId: 'unknown', grantId: 'unknown', caseId: 'unknown' };
      const call: Call =
        route.method === 'get'
          ? { as: 'anonymous', params }
          : { as: 'anonymous', params, body: {} };
      const response = await send(route, call);
      const statuses = Object.keys(document.paths[route.path]?.[route.method]?.responses ?? {});
      const body = ErrorBody.safeParse(response.body);
      if (!statuses.includes(String(response.status)) || !body.success) {
        mismatches.push(`${keyOf(route)}: ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
