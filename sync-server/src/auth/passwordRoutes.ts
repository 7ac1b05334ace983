import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import { passwordChangedEmail, passwordResetEmail } from './authEmails.ts';
import type { AuthServices } from './AuthServices.ts';
import { clientInfo } from '../http/clientInfo/index.ts';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { authLimits } from './limits.ts';
import { authOf, requireSession } from '../identity/middleware.ts';
import { assertPasswordAcceptable, hashPassword, verifyPassword } from '../identity/passwords.ts';
import { readBody } from '../http/readBody/index.ts';
import {
  ChangePasswordRequest,
  ForgotPasswordRequest,
  ResetPasswordRequest,
} from '@desk/protocol/rest';

/** Password change (signed in), and reset by an emailed single-use link (signed out). */
export function installPasswordRoutes(app: Hono, services: AuthServices): void {
  const { config, limiter } = services;
  const {
    devices,
    loginThrottle,
    sessions,
    passwordResets: resets,
    users,
    transactions,
  } = services.control;

  app.post('/api/auth/password', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, ChangePasswordRequest);
    await limiter.consume(
      `password-change:account:${auth.user.id}`,
      authLimits.passwordChangePerAccount,
    );
    const user = await users.byId(auth.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, body.currentPassword))) {
      throw new AppError(ErrorCode.invalidCredentials, 403, 'The current password is wrong.', {
        fields: { currentPassword: 'This is not your current password.' },
      });
    }
    assertPasswordAcceptable(body.newPassword, 'newPassword');
    const passwordHash = await hashPassword(body.newPassword);
    await transactions.write(async () => {
      await users.setPasswordHash(user.id, passwordHash, { unlock: false });
      await resets.spendAllForUser(user.id, null);
    });
    // Whoever else holds a session may have learnt the old password: end the others.
    const ended = await sessions.endAllForUser(user.id, auth.session?.id ?? null);
    void sendWithoutFailing(services, passwordChangedEmail(config, toRecipient(user)));
    return c.json({ sessionsEnded: ended });
  });

  // The same answer, in the same time, whether or not the address has an account.
  app.post('/api/auth/password/forgot', async (c) => {
    const body = await readBody(c, ForgotPasswordRequest);
    const email = normalizeEmail(body.email);
    await limiter.consume(
      `reset:ip:${clientInfo(c).ip ?? 'unknown'}`,
      authLimits.resetRequestPerIp,
    );
    await limiter.consume(`reset:account:${email}`, authLimits.resetRequestPerAccount);
    const user = await users.byEmail(email);
    if (user && user.status === 'active') {
      const { token } = await resets.create(user.id);
      // Not awaited: an SMTP round trip would tell a timing observer the account exists.
      void sendWithoutFailing(services, passwordResetEmail(config, toRecipient(user), token));
    }
    return c.json(
      {
        message: 'If an account exists for this address, we sent it a link to reset the password.',
      },
      202,
    );
  });

  app.post('/api/auth/password/reset', async (c) => {
    const body = await readBody(c, ResetPasswordRequest);
    await limiter.consume(
      `reset-confirm:ip:${clientInfo(c).ip ?? 'unknown'}`,
      authLimits.resetConfirmPerIp,
    );
    const found = await resets.lookup(body.token);
    if (found.kind === 'invalid') {
      throw new AppError(
        ErrorCode.tokenInvalid,
        400,
        'This reset link is not valid or was already used. Ask for a new one.',
      );
    }
    if (found.kind === 'expired') {
      throw new AppError(
        ErrorCode.tokenExpired,
        400,
        'This reset link has expired. Ask for a new one.',
      );
    }
    assertPasswordAcceptable(body.password);
    const passwordHash = await hashPassword(body.password);
    const user = await users.byId(found.userId);
    if (!user) throw AppError.notFound();
    await transactions.write(async () => {
      // Checked again inside the transaction: two concurrent uses, one wins.
      if (!(await resets.spendAllForUser(user.id, found.id))) {
        throw new AppError(ErrorCode.tokenInvalid, 400, 'This reset link was already used.');
      }
      await users.setPasswordHash(user.id, passwordHash, { unlock: true });
    });
    // A reset means the old password may be known to someone: every session ends.
    const ended = await sessions.endAllForUser(user.id);
    // The owner proved control of the mailbox: failed logins counted against the account go.
    await loginThrottle.forgetAccount(user.email, await devices.idsOf(user.id));
    void sendWithoutFailing(services, passwordChangedEmail(config, toRecipient(user)));
    return c.json({ sessionsEnded: ended });
  });
}

function toRecipient(user: { email: string; displayName: string }) {
  return { email: user.email, displayName: user.displayName };
}
