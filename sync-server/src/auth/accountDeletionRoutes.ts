import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { DeleteAccountRequest } from '@desk/protocol/rest';
import { AppError } from '../http/AppError.ts';
import { readBody } from '../http/readBody/index.ts';
import { authOf, requireSession } from '../identity/middleware.ts';
import { verifyPassword } from '../identity/passwords.ts';
import { clearSessionCookie } from '../identity/sessionCookie.ts';
import type { AuthServices } from './AuthServices.ts';
import { authLimits } from './limits.ts';

/**
 * `DELETE /api/auth/me`: a user deletes their own account (AccountDeletion says what goes).
 * A browser session only — the Origin check already applies to it — and the password typed
 * again: a token, a stolen cookie or a forged request must not be able to erase someone.
 */
export function installAccountDeletionRoutes(app: Hono, services: AuthServices): void {
  const { accountDeletion, config, limiter } = services;

  app.delete('/api/auth/me', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, DeleteAccountRequest);
    // Guessing the password here is as costly as on the password change form.
    await limiter.consume(
      `account-delete:account:${auth.user.id}`,
      authLimits.passwordChangePerAccount,
    );
    const user = await services.control.users.byId(auth.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, body.password))) {
      throw new AppError(ErrorCode.invalidCredentials, 403, 'The password is wrong.', {
        fields: { password: 'This is not your current password.' },
      });
    }
    const leftWorkspaces = await accountDeletion.delete(user);
    clearSessionCookie(c, config);
    return c.json({ leftWorkspaces });
  });
}
