import type { Hono } from 'hono';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import { unauthorizedUseEmail } from './authEmails.ts';
import type { AuthServices } from './AuthServices.ts';
import { clientInfo } from '../http/clientInfo/index.ts';
import { authOf, requireOperator, requireSession } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { clearSessionCookie } from '../identity/sessionCookie.ts';
import { ReportUnauthorizedUseRequest } from '@desk/protocol/rest';

/**
 * Terms §2: "report unauthorized use at once". One action ends every session, revokes every
 * access token, locks the account until its password is reset, records a report for the
 * operators and mails the user a confirmation with a reset link.
 */
export function installUnauthorizedUseRoutes(app: Hono, services: AuthServices): void {
  const { config } = services;
  const { sessions, tokens, passwordResets: resets, users, securityReports } = services.control;

  app.post('/api/auth/report-unauthorized-use', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, ReportUnauthorizedUseRequest);
    const user = await users.byId(auth.user.id);
    if (!user) throw new Error('authenticated user has no row');
    const client = clientInfo(c);

    // Lock first, so no new session can start between ending the old ones and the lock.
    await users.requirePasswordReset(user.id);
    const sessionsEnded = await sessions.endAllForUser(user.id);
    const tokensRevoked = await tokens.revokeAllForUser(user.id);
    const reportId = await securityReports.recordUnauthorizedUse({
      userId: user.id,
      note: body.note || null,
      ip: client.ip,
      userAgent: client.userAgent,
      sessionsEnded,
    });
    services.log.warn({ userId: user.id, reportId }, 'unauthorized use reported');
    const { token } = await resets.create(user.id);
    await sendWithoutFailing(
      services,
      unauthorizedUseEmail(
        config,
        { email: user.email, displayName: user.displayName },
        token,
        sessionsEnded,
      ),
    );
    clearSessionCookie(c, config);
    return c.json({ reportId, sessionsEnded, tokensRevoked });
  });

  app.get('/api/security-reports', requireOperator, async (c) =>
    c.json({ reports: await securityReports.latest(200) }),
  );
}
