import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { clientInfo } from '../http/clientInfo/index.ts';
import { looksLikeEmail, normalizeEmail } from '../http/emailAddress/index.ts';
import { assertPasswordAcceptable, hashPassword } from '../identity/passwords.ts';
import { readBody } from '../http/readBody/index.ts';
import { setSessionCookie } from '../identity/sessionCookie.ts';
import { AppError } from '../http/AppError.ts';
import { invitationEmail, invitationUrl } from './invitationEmail.ts';
import type { Invitation } from './InvitationStore.ts';
import { workspaceLimits } from './limits.ts';
import { managerRequest } from './memberRequest.ts';
import type { WorkspaceRouteDeps } from './WorkspaceRouteDeps.ts';
import {
  AcceptInvitationRequest,
  InvitationTokenRequest,
  InviteRequest,
} from '@desk/protocol/rest';

/**
 * Invitations: owners and admins send, list, resend and revoke them; the invited person
 * looks the link up and accepts it — by registering (name + password) or, when the address
 * already has an account, by logging in first. Tokens travel in request bodies, never in
 * URLs, so they stay out of logs.
 */
export function installInvitationRoutes(app: Hono, ctx: WorkspaceRouteDeps): void {
  const { limiter } = ctx;
  const { sessions, users, terms, transactions, workspaces, invitations } = ctx.control;

  const send = async (invitation: Invitation, token: string, inviterName: string) => {
    const workspace = await workspaces.byId(invitation.workspaceId);
    try {
      await mail(invitation, token, inviterName, workspace?.name ?? 'a workspace');
    } catch (err) {
      // The invitation is saved; only the mail failed. Say so, so the sender can resend.
      ctx.log.error({ err, invitationId: invitation.id }, 'invitation mail could not be sent');
      throw new AppError(
        ErrorCode.internal,
        502,
        `The invitation to ${invitation.email} is saved, but the email could not be sent. Try "Resend" in a moment.`,
      );
    }
  };
  const mail = (
    invitation: Invitation,
    token: string,
    inviterName: string,
    workspaceName: string,
  ) =>
    ctx.mailer.send(
      invitationEmail({
        to: invitation.email,
        inviterName,
        workspaceName,
        role: invitation.role,
        url: invitationUrl(ctx.config.PUBLIC_URL, token),
      }),
    );

  app.get('/api/workspaces/:slug/invitations', async (c) => {
    const { workspace } = await managerRequest(ctx, c);
    return c.json({ invitations: await invitations.list(workspace.id) });
  });

  app.post('/api/workspaces/:slug/invitations', async (c) => {
    const { auth, workspace, role: actorRole } = await managerRequest(ctx, c);
    const body = await readBody(c, InviteRequest);
    const email = normalizeEmail(body.email);
    if (!looksLikeEmail(email)) {
      throw AppError.badRequest('The email address is not valid.', {
        email: 'Enter an email address such as ana@example.com.',
      });
    }
    if (body.role === 'admin' && actorRole !== 'owner') {
      throw AppError.forbidden('Only the owner can invite admins.');
    }
    await limiter.consume(`invite:user:${auth.user.id}`, workspaceLimits.invitationsPerUser);
    await limiter.consume(
      `invite:workspace:${workspace.id}`,
      workspaceLimits.invitationsPerWorkspace,
    );
    const { invitation, token } = await transactions.write(() =>
      invitations.create({
        workspaceId: workspace.id,
        email,
        role: body.role,
        invitedBy: auth.user.id,
      }),
    );
    // Sending is part of inviting: if the mail cannot be handed over, the caller must know.
    await send(invitation, token, auth.user.displayName);
    ctx.log.info({ workspaceId: workspace.id, invitationId: invitation.id }, 'invitation sent');
    return c.json({ invitation }, 201);
  });

  app.post('/api/workspaces/:slug/invitations/:id/resend', async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    await limiter.consume(`invite:user:${auth.user.id}`, workspaceLimits.invitationsPerUser);
    await limiter.consume(
      `invite:workspace:${workspace.id}`,
      workspaceLimits.invitationsPerWorkspace,
    );
    const { invitation, token } = await transactions.write(() =>
      invitations.resend(workspace.id, c.req.param('id')),
    );
    await send(invitation, token, auth.user.displayName);
    return c.json({ invitation });
  });

  app.delete('/api/workspaces/:slug/invitations/:id', async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const invitation = await transactions.write(() =>
      invitations.revoke(workspace.id, c.req.param('id'), auth.user.id),
    );
    return c.json({ invitation });
  });

  /** What the acceptance page shows before the person decides. */
  app.post('/api/invitations/lookup', async (c) => {
    await limiter.consume(
      `invite-use:ip:${clientInfo(c).ip ?? 'unknown'}`,
      workspaceLimits.invitationUsePerIp,
    );
    const { token } = await readBody(c, InvitationTokenRequest);
    const invitation = await invitations.requireUsable(token);
    const workspace = await workspaces.byId(invitation.workspaceId);
    const auth = c.get('auth');
    const accountExists = (await users.byEmail(invitation.email)) !== undefined;
    return c.json({
      invitation: {
        email: invitation.email,
        role: invitation.role,
        invitedByName: invitation.invitedByName,
        expiresAt: invitation.expiresAt,
        workspace: { name: workspace?.name ?? '', slug: workspace?.slug ?? '' },
      },
      accountExists,
      signedInAs: auth?.session ? auth.user.email : null,
    });
  });

  app.post('/api/invitations/accept', async (c) => {
    const client = clientInfo(c);
    await limiter.consume(
      `invite-use:ip:${client.ip ?? 'unknown'}`,
      workspaceLimits.invitationUsePerIp,
    );
    const body = await readBody(c, AcceptInvitationRequest);
    // Early, typed refusals (expired, used, revoked) before any password hashing.
    const invitation = await invitations.requireUsable(body.token);
    const workspace = await workspaces.byId(invitation.workspaceId);
    const auth = c.get('auth');

    if (auth) {
      if (!auth.session) throw AppError.forbidden('Accept invitations from a browser session.');
      const accepted = await transactions.write(() =>
        invitations.accept({ token: body.token, userId: auth.user.id, userEmail: auth.user.email }),
      );
      ctx.access.emit('membershipChanged', accepted.change);
      return c.json({ workspace: { slug: workspace?.slug }, registered: false });
    }

    if (await users.byEmail(invitation.email)) {
      throw new AppError(
        ErrorCode.unauthenticated,
        401,
        `${invitation.email} already has an account. Log in to accept the invitation.`,
      );
    }
    if (!body.displayName) {
      throw AppError.badRequest('Enter your name.', { displayName: 'Enter your name.' });
    }
    if (!body.acceptTerms) {
      throw new AppError(ErrorCode.termsNotAccepted, 400, 'Accept the terms of service to join.', {
        fields: { acceptTerms: 'Accept the terms of service to continue.' },
      });
    }
    assertPasswordAcceptable(body.password ?? '');
    const passwordHash = await hashPassword(body.password ?? '');
    const displayName = body.displayName;
    // One immediate transaction: the account exists only if the seat was won, so a
    // refused acceptance (seat_limit_reached) leaves no half-registered user behind.
    const { userId, accepted } = await transactions.write(async () => {
      const now = ctx.now();
      if (await users.byEmail(invitation.email)) {
        throw new AppError(
          ErrorCode.emailTaken,
          409,
          'This address already has an account. Log in to accept.',
        );
      }
      const userId = await users.create({ email: invitation.email, displayName, passwordHash });
      await terms.recordAcceptance({
        userId,
        version: String((await terms.inForce()).version),
        at: now,
        ip: client.ip,
      });
      const accepted = await invitations.accept({
        token: body.token,
        userId,
        userEmail: invitation.email,
      });
      return { userId, accepted };
    });
    ctx.access.emit('membershipChanged', accepted.change);
    const session = await sessions.create(userId, client);
    setSessionCookie(c, ctx.config, session.token, session.expiresAt);
    ctx.log.info(
      { userId, workspaceId: invitation.workspaceId },
      'invitation accepted by registering',
    );
    return c.json({ workspace: { slug: workspace?.slug }, registered: true }, 201);
  });
}
