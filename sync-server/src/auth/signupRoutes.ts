import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { AuthContext } from '../identity/AuthContext.ts';
import type { AuthServices } from './AuthServices.ts';
import { confirmSignupEmail, signupAttemptEmail } from './authEmails.ts';
import { clientInfo } from '../http/clientInfo/index.ts';
import { looksLikeEmail, normalizeEmail } from '../http/emailAddress/index.ts';
import { authLimits } from './limits.ts';
import { mePayload } from './mePayload.ts';
import { assertPasswordAcceptable, hashPassword } from '../identity/passwords.ts';
import { readBody } from '../http/readBody/index.ts';
import { setSessionCookie } from '../identity/sessionCookie.ts';
import { SignupConfirmRequest, SignupRequest } from '@desk/protocol/rest';

/** The one answer of `POST /api/auth/signup` once the form is valid, whoever owns the address. */
export const signupAccepted = {
  status: 'check_email',
  message: 'Check your email: we sent a link to this address to finish signing up.',
} as const;

/**
 * Sign-up in two steps, so that it reveals nothing about which addresses have accounts
 * (login and reset do not either):
 *
 * - `POST /api/auth/signup` checks the form, then answers `202 check_email` with the same
 *   body and no cookie whether or not the address is registered. A new address gets a
 *   single-use link (the form is kept in `pending_signups`, the password as its argon2id
 *   hash); a registered one gets a note to its owner instead. The password is hashed in both
 *   branches and the mail is not awaited, so the two take the same time.
 * - `POST /api/auth/signup/confirm` with the link's token creates the owner account, its
 *   customer, the first workspace, the owner membership and the terms acceptance in one
 *   transaction, and logs the new user in.
 */
export function installSignupRoutes(app: Hono, services: AuthServices): void {
  const { config, limiter } = services;
  const { sessions, users, terms, workspaces, pendingSignups: pending } = services.control;

  app.post('/api/auth/signup', async (c) => {
    const body = await readBody(c, SignupRequest);
    const client = clientInfo(c);
    const email = normalizeEmail(body.email);
    await limiter.consume(`signup:ip:${client.ip ?? 'unknown'}`, authLimits.signupPerIp);
    await limiter.consume(`signup:account:${email}`, authLimits.signupPerAccount);

    if (!looksLikeEmail(email)) {
      throw AppError.badRequest('The email address is not valid.', {
        email: 'Enter an email address such as ana@example.com.',
      });
    }
    if (!body.acceptTerms) {
      throw new AppError(
        ErrorCode.termsNotAccepted,
        400,
        'Accept the terms of service to sign up.',
        {
          fields: { acceptTerms: 'Accept the terms of service to continue.' },
        },
      );
    }
    assertPasswordAcceptable(body.password);
    // Names and the workspace address are checked now, so the form can be corrected at once
    // (a taken address says nothing about who owns an email); the confirmation checks again.
    const { customerName, workspace } = await workspaces.checkNew(body);
    const passwordHash = await hashPassword(body.password);

    const existing = await users.byEmail(email);
    if (existing) {
      void sendWithoutFailing(
        services,
        signupAttemptEmail(config, { email, displayName: existing.displayName }),
      );
    } else {
      const { token } = await pending.create({
        email,
        displayName: body.displayName,
        phone: body.phone || null,
        passwordHash,
        customer: { kind: body.customer.kind, name: customerName },
        workspace,
        termsVersion: String((await terms.inForce()).version),
        ip: client.ip,
      });
      // Not awaited, as in the other branch: an SMTP round trip must not time one of them.
      void sendWithoutFailing(
        services,
        confirmSignupEmail(config, { email, displayName: body.displayName }, token),
      );
    }
    return c.json(signupAccepted, 202);
  });

  app.post('/api/auth/signup/confirm', async (c) => {
    const body = await readBody(c, SignupConfirmRequest);
    const client = clientInfo(c);
    await limiter.consume(
      `signup-confirm:ip:${client.ip ?? 'unknown'}`,
      authLimits.resetConfirmPerIp,
    );
    const found = await pending.lookup(body.token);
    if (found.kind === 'invalid') throw linkInvalid();
    if (found.kind === 'expired') {
      throw new AppError(
        ErrorCode.tokenExpired,
        400,
        'This sign-up link has expired. Sign up again to get a new one.',
      );
    }
    const signup = found.signup;
    const { userId, workspaceId } = await services.control.transactions.write(async () => {
      // Checked inside the transaction: two concurrent uses of one link, one wins.
      if (!(await pending.spend(signup.id))) throw linkInvalid();
      // Whoever holds the link owns the address, so saying it has an account reveals nothing.
      if (await users.byEmail(signup.email)) throw emailTaken();
      const userId = await users.create({
        email: signup.email,
        displayName: signup.displayName,
        phone: signup.phone,
        passwordHash: signup.passwordHash,
      });
      // A taken address rolls everything back, the spent link too: the page asks for another.
      const { workspaceId } = await workspaces.createWithCustomer({
        ownerUserId: userId,
        customer: signup.customer,
        workspace: { name: signup.workspace.name, slug: body.slug ?? signup.workspace.slug },
      });
      // The terms were accepted on the form: that moment, version and address are recorded.
      await terms.recordAcceptance({
        userId,
        version: signup.termsVersion,
        at: signup.createdAt,
        ip: signup.ip,
      });
      return { userId, workspaceId };
    });

    services.log.info({ userId, workspaceId }, 'account signed up');
    const session = await sessions.create(userId, client);
    setSessionCookie(c, config, session.token, session.expiresAt);
    const auth: AuthContext = {
      user: {
        id: userId,
        email: signup.email,
        displayName: signup.displayName,
        platformRole: null,
        status: 'active',
      },
      session: { id: session.id },
      token: null,
    };
    return c.json(await mePayload(services, auth), 201);
  });
}

function linkInvalid(): AppError {
  return new AppError(
    ErrorCode.tokenInvalid,
    400,
    'This sign-up link is not valid or was already used. Log in, or sign up again.',
  );
}

function emailTaken(): AppError {
  return new AppError(ErrorCode.emailTaken, 409, 'This email address already has an account.', {
    fields: { email: 'This email already has an account. Log in or reset the password.' },
  });
}
