import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { readOutbox } from '../../../test/support/outbox.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { INVITATION_LIFETIME_MS } from './InvitationStore.ts';
import {
  acceptByRegistering,
  addMember,
  invite,
  recordAccessEvents,
  tokenFromOutbox,
} from '../testing/workspaceTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

type ErrorResponse = { error: { code: string; message: string } };

describe('invitations', () => {
  it('sends a link whose token is in the URL fragment and stored only as a hash', async () => {
    const owner = await signUp(t);
    const { id, token } = await invite(t, owner.client, owner.slug, 'frag@example.com');
    const row = t.server.ctx.db
      .prepare('SELECT token_hash FROM invitations WHERE id = ?')
      .get(id) as {
      token_hash: string;
    };
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(token);
    const [mail] = readOutbox(t.server.ctx.config.DATA_DIR, 'frag@example.com');
    expect(mail?.text).toContain(`http://desk.test/invite#token=${token}`);
  });

  it('shows the invited person who invited them to which workspace, before they decide', async () => {
    const owner = await signUp(t, { displayName: 'Olga Owner' });
    const { token } = await invite(t, owner.client, owner.slug, 'look@example.com', 'viewer');
    const res = await t.client().post<{
      invitation: {
        email: string;
        role: string;
        invitedByName: string;
        workspace: { slug: string };
      };
      accountExists: boolean;
    }>('/api/invitations/lookup', { token });
    expect(res.status).toBe(200);
    expect(res.body.invitation).toMatchObject({
      email: 'look@example.com',
      role: 'viewer',
      invitedByName: 'Olga Owner',
      workspace: { slug: owner.slug },
    });
    expect(res.body.accountExists).toBe(false);
  });

  it('is accepted by registering a name and password, which logs the new member in with the invited role', async () => {
    const owner = await signUp(t);
    const events = recordAccessEvents(t);
    const { token } = await invite(t, owner.client, owner.slug, 'reg@example.com', 'viewer');
    const member = t.client();
    const res = await acceptByRegistering(t, token, 'Rita Reg', member);
    expect(res.status).toBe(201);
    expect(res.body.workspace?.slug).toBe(owner.slug);
    const ws = await member.get<{ workspace: { role: string; readOnlyReason: string } }>(
      `/api/workspaces/${owner.slug}`,
    );
    expect(ws.body.workspace).toMatchObject({ role: 'viewer', readOnlyReason: 'viewer' });
    expect(events).toContainEqual({
      name: 'membershipChanged',
      payload: expect.objectContaining({ workspaceId: owner.workspaceId, role: 'viewer' }),
    });
  });

  it('works once: a used link is refused', async () => {
    const owner = await signUp(t);
    const { token } = await invite(t, owner.client, owner.slug, 'once@example.com');
    expect((await acceptByRegistering(t, token)).status).toBe(201);
    const again = await acceptByRegistering(t, token);
    expect(again.status).toBe(410);
    expect(again.body.error?.code).toBe(ErrorCode.invitationInvalid);
    const lookup = await t.client().post<ErrorResponse>('/api/invitations/lookup', { token });
    expect(lookup.body.error.code).toBe(ErrorCode.invitationInvalid);
  });

  it('expires after seven days', async () => {
    const owner = await signUp(t);
    const { token } = await invite(t, owner.client, owner.slug, 'late@example.com');
    t.clock.advance(INVITATION_LIFETIME_MS);
    try {
      const res = await acceptByRegistering(t, token);
      expect(res.status).toBe(410);
      expect(res.body.error?.code).toBe(ErrorCode.invitationExpired);
      expect(
        t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get('late@example.com'),
      ).toBeUndefined();
    } finally {
      t.clock.advance(-INVITATION_LIFETIME_MS);
    }
  });

  it('stops working when revoked', async () => {
    const owner = await signUp(t);
    const { id, token } = await invite(t, owner.client, owner.slug, 'revoked@example.com');
    const revoke = await owner.client.delete<{ invitation: { status: string } }>(
      `/api/workspaces/${owner.slug}/invitations/${id}`,
    );
    expect(revoke.body.invitation.status).toBe('revoked');
    const res = await acceptByRegistering(t, token);
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe(ErrorCode.invitationInvalid);
  });

  it('when resent, mints a new link and the old one stops working', async () => {
    const owner = await signUp(t);
    const { id, token: oldToken } = await invite(t, owner.client, owner.slug, 'resend@example.com');
    const resend = await owner.client.post<{ invitation: { sendCount: number } }>(
      `/api/workspaces/${owner.slug}/invitations/${id}/resend`,
    );
    expect(resend.body.invitation.sendCount).toBe(2);
    const newToken = tokenFromOutbox(t, 'resend@example.com');
    expect(newToken).not.toBe(oldToken);
    expect((await acceptByRegistering(t, oldToken)).body.error?.code).toBe(
      ErrorCode.invitationInvalid,
    );
    expect((await acceptByRegistering(t, newToken)).status).toBe(201);
  });

  it('revives an expired invitation when resent, with a fresh seven days', async () => {
    const owner = await signUp(t);
    const { id } = await invite(t, owner.client, owner.slug, 'revive@example.com');
    t.clock.advance(INVITATION_LIFETIME_MS + 1);
    try {
      const resend = await owner.client.post<{ invitation: { status: string; expiresAt: number } }>(
        `/api/workspaces/${owner.slug}/invitations/${id}/resend`,
      );
      expect(resend.body.invitation).toMatchObject({
        status: 'pending',
        expiresAt: t.clock.now + INVITATION_LIFETIME_MS,
      });
    } finally {
      t.clock.advance(-INVITATION_LIFETIME_MS - 1);
    }
  });

  it('refuses to invite an address that is already a member, with already_member', async () => {
    const owner = await signUp(t);
    await addMember(t, owner.client, owner.slug, 'member@example.com');
    for (const email of ['member@example.com', owner.email]) {
      const res = await owner.client.post<ErrorResponse>(
        `/api/workspaces/${owner.slug}/invitations`,
        {
          email,
          role: 'agent',
        },
      );
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe(ErrorCode.alreadyMember);
    }
  });

  it('asks a person who already has an account to log in, then accepts for that account', async () => {
    const other = await signUp(t);
    const owner = await signUp(t);
    const { token } = await invite(t, owner.client, owner.slug, other.email);
    const anonymous = await acceptByRegistering(t, token);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.code).toBe(ErrorCode.unauthenticated);
    const res = await other.client.post('/api/invitations/accept', { token });
    expect(res.status).toBe(200);
    const ws = await other.client.get<{ workspace: { role: string } }>(
      `/api/workspaces/${owner.slug}`,
    );
    expect(ws.body.workspace.role).toBe('agent');
  });

  it('refuses an invitation accepted by an account with another address', async () => {
    const stranger = await signUp(t);
    const owner = await signUp(t);
    const { token } = await invite(t, owner.client, owner.slug, 'intended@example.com');
    const res = await stranger.client.post<ErrorResponse>('/api/invitations/accept', { token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe(ErrorCode.forbidden);
  });

  it('refuses a weak password and creates no account', async () => {
    const owner = await signUp(t);
    const { token } = await invite(t, owner.client, owner.slug, 'weak@example.com');
    const res = await t.client().post<ErrorResponse>('/api/invitations/accept', {
      token,
      displayName: 'Weak',
      password: 'short',
      acceptTerms: true,
    });
    expect(res.body.error.code).toBe(ErrorCode.weakPassword);
    expect(
      t.server.ctx.db.prepare('SELECT 1 FROM users WHERE email = ?').get('weak@example.com'),
    ).toBeUndefined();
    expect((await acceptByRegistering(t, token)).status).toBe(201);
  });

  it('lets only owners and admins invite, and only owners invite admins', async () => {
    const owner = await signUp(t);
    const agent = await addMember(t, owner.client, owner.slug, 'agent-inv@example.com', 'agent');
    const admin = await addMember(t, owner.client, owner.slug, 'admin-inv@example.com', 'admin');
    const byAgent = await agent.client.post<ErrorResponse>(
      `/api/workspaces/${owner.slug}/invitations`,
      {
        email: 'x@example.com',
        role: 'viewer',
      },
    );
    expect(byAgent.status).toBe(403);
    const adminInvitesAdmin = await admin.client.post<ErrorResponse>(
      `/api/workspaces/${owner.slug}/invitations`,
      { email: 'y@example.com', role: 'admin' },
    );
    expect(adminInvitesAdmin.status).toBe(403);
    const adminInvitesAgent = await admin.client.post(`/api/workspaces/${owner.slug}/invitations`, {
      email: 'z@example.com',
      role: 'agent',
    });
    expect(adminInvitesAgent.status).toBe(201);
  });

  it('counts open invitations against the seat limit when sending', async () => {
    const owner = await signUp(t); // trial: 5 seats, the owner holds one
    for (let i = 0; i < 4; i++) await invite(t, owner.client, owner.slug, `seat${i}@example.com`);
    const res = await owner.client.post<ErrorResponse>(
      `/api/workspaces/${owner.slug}/invitations`,
      {
        email: 'seat4@example.com',
        role: 'agent',
      },
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe(ErrorCode.seatLimitReached);
  });

  it('rate-limits sending invitations per user', async () => {
    const owner = await signUp(t);
    const db = t.server.ctx.db;
    const insert = db.prepare('INSERT INTO rate_limit_hits (key, at) VALUES (?, ?)');
    for (let i = 0; i < 50; i++) insert.run(`invite:user:${owner.userId}`, t.clock.now);
    const res = await owner.client.post<ErrorResponse>(
      `/api/workspaces/${owner.slug}/invitations`,
      {
        email: 'limited@example.com',
        role: 'agent',
      },
    );
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe(ErrorCode.rateLimited);
  });

  it('with one seat left, of simultaneous acceptances by logged-in accounts exactly one succeeds', async () => {
    const owner = await signUp(t);
    const people = await Promise.all([1, 2, 3, 4].map(() => signUp(t)));
    const tokens: string[] = [];
    for (const person of people) {
      tokens.push((await invite(t, owner.client, owner.slug, person.email)).token);
    }
    // Lower the limit below the promised seats, as a plan downgrade would.
    t.server.ctx.db
      .prepare('UPDATE subscriptions SET seat_limit_override = 2 WHERE workspace_id = ?')
      .run(owner.workspaceId);
    const results = await Promise.all(
      people.map((person, i) =>
        person.client.post<ErrorResponse>('/api/invitations/accept', { token: tokens[i] }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    for (const lost of results.filter((r) => r.status === 409)) {
      expect(lost.body.error.code).toBe(ErrorCode.seatLimitReached);
    }
  });
});

describe('invitations when mail cannot be sent', () => {
  it('keeps the invitation and says so, so the sender can resend', async () => {
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    const broken = await startAuthTestServer({ SMTP_URL: 'smtp://127.0.0.1:9' });
    try {
      const owner = await signUp(broken);
      const res = await owner.client.post<ErrorResponse>(
        `/api/workspaces/${owner.slug}/invitations`,
        { email: 'unlucky@example.com', role: 'agent' },
      );
      expect(res.status).toBe(502);
      expect(res.body.error.message).toMatch(/saved.*Resend/);
      const list = await owner.client.get<{ invitations: { email: string; status: string }[] }>(
        `/api/workspaces/${owner.slug}/invitations`,
      );
      expect(list.body.invitations).toEqual([
        expect.objectContaining({ email: 'unlucky@example.com', status: 'pending' }),
      ]);
    } finally {
      await broken.close();
    }
  });
});
