import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import {
  signUp,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { newId } from '../../../sync-server/src/ids/newId.ts';
import { createTicket } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { workspaceDocIds } from '../../../sync-server/src/snapshots/SnapshotDocs.ts';
import { editDoc } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { addMember, loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import * as Y from 'yjs';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every caller the matrix tries, in the order of the table's columns. */
export const identityNames = [
  'anonymous',
  'viewer',
  'agent',
  'admin',
  'owner',
  'operatorNoGrant',
  'otherWorkspace',
  'removedMember',
  'revokedSession',
  'expiredSession',
  'token',
  'tokenExpired',
  'tokenRevoked',
  'tokenOtherWorkspace',
] as const;
export type IdentityName = (typeof identityNames)[number];

/** How a caller proves who it is: a session cookie, an access token, or nothing. */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'session'; readonly token: string }
  | { readonly kind: 'token'; readonly token: string };

export interface TargetWorkspace {
  readonly id: string;
  readonly slug: string;
  readonly ownerId: string;
  readonly agentId: string;
  readonly adminId: string;
  /** The other workspace (the target's admin is an agent there too). */
  readonly otherId: string;
  /** A member nobody acts as: the operator's suspend/reinstate target. */
  readonly spareUserId: string;
  readonly ticketId: string;
  readonly noticeId: string;
  readonly snapshotId: string;
  readonly blobSha256: string;
  readonly invitationId: string;
}

/**
 * The people and credentials of the authorization matrix, made through the real routes
 * where a person would (sign-up, invitation, removal, logout, token revocation) and with
 * the server's own stores where only a credential is needed. Expiry comes from the
 * injected clock: the expired session and token are made, then the clock moves past them.
 */
export class AuthzWorld {
  readonly credentials = new Map<IdentityName, Credential>();
  /**
   * The owner's ready export of the target, made last (after the clock moved) so it has not
   * expired when the matrix runs.
   */
  exportId = '';

  private constructor(
    readonly t: AuthTestServer,
    readonly target: TargetWorkspace,
    private readonly userIds: ReadonlyMap<IdentityName, string>,
  ) {}

  static async build(t: AuthTestServer): Promise<AuthzWorld> {
    const { control } = t.server.services;
    const owner = await signUp(t);
    const other = await signUp(t);
    // Paid and active: a trial would run out while the clock moves a month below. (Through
    // the control plane, so the matrix runs on either backend.)
    for (const workspaceId of [owner.workspaceId, other.workspaceId]) {
      await control.subscriptions.assign(
        workspaceId,
        { planId: 'business' },
        { kind: 'system', userId: null },
      );
    }
    const n = newId().slice(0, 8);
    const viewer = await addMember(
      t,
      owner.client,
      owner.slug,
      `viewer-${n}@example.com`,
      'viewer',
    );
    const agent = await addMember(t, owner.client, owner.slug, `agent-${n}@example.com`, 'agent');
    const admin = await addMember(t, owner.client, owner.slug, `admin-${n}@example.com`, 'admin');
    const removed = await addMember(t, owner.client, owner.slug, `gone-${n}@example.com`, 'agent');
    const spare = await addMember(t, owner.client, owner.slug, `spare-${n}@example.com`, 'agent');
    const gone = await owner.client.delete(
      `/api/workspaces/${owner.slug}/members/${removed.userId}`,
    );
    if (gone.status !== 200) throw new Error(`removing a member failed: ${gone.status}`);
    // The admin of the target also belongs to the other workspace: their token for it must
    // not open the target although their session does.
    await control.memberships.add({
      workspaceId: other.workspaceId,
      userId: admin.userId,
      role: 'agent',
      actorUserId: null,
    });
    const operator = await loginOperator(t);

    const ticketId = 'matrix-ticket';
    const noticeId = 'matrix-notice';
    await createTicket(t.server.sync, owner.workspaceId, ticketId, 'A ticket', 1);
    await editDoc(t.server.sync, workspaceDocIds.index(owner.workspaceId), (doc) => {
      const notice = new Y.Map<unknown>();
      notice.set('title', 'Office closed');
      notice.set('deleted', false);
      doc.getMap('notices').set(noticeId, notice);
    });
    const snapshot = await owner.client.post<{ snapshot: { id: string } }>(
      `/api/workspaces/${owner.slug}/snapshots`,
      {},
    );
    if (snapshot.status !== 201) throw new Error(`snapshot failed: ${snapshot.status}`);
    const blob = await fetch(`${t.server.url}/api/workspaces/${owner.slug}/blobs`, {
      method: 'POST',
      headers: {
        origin: TEST_PUBLIC_URL,
        cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        'content-type': 'image/png',
        'x-file-name': 'pixel.png',
      },
      // An image, so that its thumbnail route answers members too.
      body: ONE_PIXEL_PNG,
    });
    if (blob.status !== 201) throw new Error(`upload failed: ${blob.status}`);
    const invitation = await owner.client.post<{ invitation: { id: string } }>(
      `/api/workspaces/${owner.slug}/invitations`,
      { email: `pending-${n}@example.com`, role: 'agent' },
    );

    const world = new AuthzWorld(
      t,
      {
        id: owner.workspaceId,
        slug: owner.slug,
        ownerId: owner.userId,
        agentId: agent.userId,
        adminId: admin.userId,
        otherId: other.workspaceId,
        spareUserId: spare.userId,
        ticketId,
        noticeId,
        snapshotId: snapshot.body.snapshot.id,
        blobSha256: ((await blob.json()) as { sha256: string }).sha256,
        invitationId: invitation.body.invitation.id,
      },
      new Map<IdentityName, string>([
        ['viewer', viewer.userId],
        ['agent', agent.userId],
        ['admin', admin.userId],
        ['owner', owner.userId],
        ['operatorNoGrant', operator.userId],
        ['otherWorkspace', other.userId],
        ['removedMember', removed.userId],
      ]),
    );

    // Expiry by the clock: this session is a month old when the matrix runs, every other
    // credential is made 20 days later and is still valid then.
    world.credentials.set('expiredSession', {
      kind: 'session',
      token: (await world.newSession(agent.userId)).token,
    });
    t.clock.advance(20 * DAY_MS);
    await world.refreshCredentials();
    world.credentials.set('anonymous', { kind: 'none' });
    const token = (userId: string, workspaceId: string, expiresAt: number | null) =>
      control.tokens.create({ userId, workspaceId, name: 'matrix', expiresAt });
    world.credentials.set('tokenExpired', {
      kind: 'token',
      token: (await token(agent.userId, owner.workspaceId, t.clock.now + DAY_MS)).token,
    });
    // Revoked through the routes, as their owners would.
    const { id: revokedTokenId, token: revokedToken } = await token(
      agent.userId,
      owner.workspaceId,
      null,
    );
    const agentSession = world.credentials.get('agent') as { token: string };
    const revokeToken = await fetch(`${t.server.url}/api/auth/tokens/${revokedTokenId}`, {
      method: 'DELETE',
      headers: { origin: TEST_PUBLIC_URL, cookie: `${SESSION_COOKIE}=${agentSession.token}` },
    });
    if (!revokeToken.ok) throw new Error(`revoking a token failed: ${revokeToken.status}`);
    world.credentials.set('tokenRevoked', { kind: 'token', token: revokedToken });
    const revokedSession = (await world.newSession(owner.userId)).token;
    const logout = await fetch(`${t.server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { origin: TEST_PUBLIC_URL, cookie: `${SESSION_COOKIE}=${revokedSession}` },
    });
    if (!logout.ok) throw new Error(`logout failed: ${logout.status}`);
    world.credentials.set('revokedSession', { kind: 'session', token: revokedSession });
    t.clock.advance(11 * DAY_MS);
    world.exportId = (await t.server.exports.service.request(owner.workspaceId, owner.userId)).id;
    await t.server.exports.service.idle();
    return world;
  }

  /** A fresh session of `userId` from the server's own store (no password round). */
  newSession(userId: string): Promise<{ id: string; token: string }> {
    return this.t.server.services.control.sessions.create(userId, {
      ip: null,
      userAgent: 'matrix',
    });
  }

  /**
   * New valid credentials for every identity that has one, so each route's cells start
   * alike: some routes end what they are called with (logout, reporting unauthorized use
   * revokes the caller's sessions and tokens).
   */
  async refreshCredentials(): Promise<void> {
    for (const [name, userId] of this.userIds) {
      this.credentials.set(name, { kind: 'session', token: (await this.newSession(userId)).token });
    }
    const { tokens } = this.t.server.services.control;
    const token = async (userId: string, workspaceId: string): Promise<Credential> => ({
      kind: 'token',
      token: (await tokens.create({ userId, workspaceId, name: 'matrix', expiresAt: null })).token,
    });
    this.credentials.set('token', await token(this.target.agentId, this.target.id));
    // The target's admin also belongs to the other workspace; this token is for that one.
    this.credentials.set(
      'tokenOtherWorkspace',
      await token(this.target.adminId, this.target.otherId),
    );
  }

  credential(name: IdentityName): Credential {
    const credential = this.credentials.get(name);
    if (!credential) throw new Error(`no credential for ${name}`);
    return credential;
  }

  /** A member added straight to the target workspace (or `workspaceId`), to be removed by one cell. */
  async disposableMember(workspaceId = this.target.id): Promise<string> {
    const { control } = this.t.server.services;
    const userId = await control.users.create({
      email: `disposable-${newId()}@example.com`,
      displayName: 'Disposable',
      passwordHash: '!',
    });
    await control.memberships.add({
      workspaceId,
      userId,
      role: 'agent',
      actorUserId: null,
    });
    return userId;
  }

  /** An access token of the owner, to be revoked by one cell. */
  async disposableTokenId(): Promise<string> {
    const { id } = await this.t.server.services.control.tokens.create({
      userId: this.target.ownerId,
      workspaceId: this.target.id,
      name: 'disposable',
      expiresAt: null,
    });
    return id;
  }

  /** A pending invitation of the target workspace, to be deleted by one cell. */
  async disposableInvitationId(): Promise<string> {
    const owner = this.credential('owner') as { token: string };
    const res = await fetch(`${this.t.server.url}/api/workspaces/${this.target.slug}/invitations`, {
      method: 'POST',
      headers: {
        origin: TEST_PUBLIC_URL,
        cookie: `${SESSION_COOKIE}=${owner.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email: `disposable-${newId()}@example.com`, role: 'agent' }),
    });
    if (res.status !== 201) throw new Error(`invitation failed: ${res.status}`);
    return ((await res.json()) as { invitation: { id: string } }).invitation.id;
  }
}

/** A 1 × 1 PNG (the smallest image the thumbnail route turns into a thumbnail). */
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
