import type { Hono } from 'hono';
import { z } from 'zod';
import { newId } from '../ids/newId.ts';
import { sendWithoutFailing } from '../mail/getMailer.ts';
import { unauthorizedUseEmail } from './authEmails.ts';
import type { AuthServices } from './AuthServices.ts';
import { clientInfo } from '../http/clientInfo/index.ts';
import { authOf, requireOperator, requireSession } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { clearSessionCookie } from '../identity/sessionCookie.ts';
import { readUser } from '../identity/users.ts';

export const reportBody = z.object({ note: z.string().trim().max(2000).optional() });

/**
 * Terms §2: "report unauthorized use at once". One action ends every session, revokes every
 * access token, locks the account until its password is reset, records a report for the
 * operators and mails the user a confirmation with a reset link.
 */
export function installUnauthorizedUseRoutes(app: Hono, services: AuthServices): void {
  const { ctx, sessions, tokens, resets } = services;

  app.post('/api/auth/report-unauthorized-use', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, reportBody);
    const user = readUser(ctx.db, auth.user.id);
    if (!user) throw new Error('authenticated user has no row');
    const client = clientInfo(c);

    // Lock first, so no new session can start between ending the old ones and the lock.
    ctx.db
      .prepare('UPDATE users SET must_reset_password = 1, updated_at = ? WHERE id = ?')
      .run(ctx.now(), user.id);
    const sessionsEnded = sessions.endAllForUser(user.id);
    const tokensRevoked = tokens.revokeAllForUser(user.id);
    const reportId = newId();
    ctx.db
      .prepare(
        `INSERT INTO security_reports (id, user_id, kind, note, ip, user_agent, sessions_ended, created_at)
         VALUES (?, ?, 'unauthorized_use', ?, ?, ?, ?, ?)`,
      )
      .run(
        reportId,
        user.id,
        body.note || null,
        client.ip,
        client.userAgent,
        sessionsEnded,
        ctx.now(),
      );
    ctx.log.warn({ userId: user.id, reportId }, 'unauthorized use reported');
    const { token } = resets.create(user.id);
    await sendWithoutFailing(
      ctx,
      unauthorizedUseEmail(
        ctx.config,
        { email: user.email, displayName: user.display_name },
        token,
        sessionsEnded,
      ),
    );
    clearSessionCookie(c, ctx.config);
    return c.json({ reportId, sessionsEnded, tokensRevoked });
  });

  app.get('/api/security-reports', requireOperator, (c) => {
    const rows = ctx.db
      .prepare(
        `SELECT r.id, r.user_id, u.email, u.display_name, r.kind, r.note, r.ip, r.user_agent,
                r.sessions_ended, r.created_at
         FROM security_reports r JOIN users u ON u.id = r.user_id
         ORDER BY r.created_at DESC LIMIT 200`,
      )
      .all() as {
      id: string;
      user_id: string;
      email: string;
      display_name: string;
      kind: string;
      note: string | null;
      ip: string | null;
      user_agent: string | null;
      sessions_ended: number;
      created_at: number;
    }[];
    return c.json({
      reports: rows.map((r) => ({
        id: r.id,
        user: { id: r.user_id, email: r.email, displayName: r.display_name },
        kind: r.kind,
        note: r.note,
        ip: r.ip,
        userAgent: r.user_agent,
        sessionsEnded: r.sessions_ended,
        createdAt: r.created_at,
      })),
    });
  });
}
