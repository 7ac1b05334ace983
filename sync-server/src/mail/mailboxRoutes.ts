import type { Context, Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { AppError } from '../http/AppError.ts';
import { clientInfo, isLoopback } from '../auth/clientInfo.ts';
import { normalizeEmail } from '../auth/email.ts';
import { getMailer } from './getMailer.ts';
import { OutboxMailer } from './OutboxMailer.ts';

/**
 * `GET /api/mailbox`: the outbox, for the mailbox page. Visible to
 * - platform operators (logged in), always;
 * - anyone on this machine when no SMTP server is configured: requests whose TCP peer is a
 *   loopback address and that carry no proxy forwarding header. This is what makes
 *   invitations and resets usable on a fresh install with nothing else set up; on a real
 *   deployment set SMTP_URL (or put a reverse proxy in front, which adds the forwarding
 *   headers and so turns this off).
 */
export function installMailboxRoutes(app: Hono, ctx: ServerContext): void {
  app.get('/api/mailbox', (c) => {
    assertMayReadMailbox(c, ctx);
    const mailer = getMailer(ctx);
    const to = c.req.query('to');
    const messages =
      mailer instanceof OutboxMailer
        ? mailer.list(to === undefined ? {} : { to: normalizeEmail(to) })
        : [];
    return c.json({ delivery: mailer.kind, messages });
  });
}

function assertMayReadMailbox(c: Context, ctx: ServerContext): void {
  const auth = c.get('auth');
  if (auth?.session && auth.user.platformRole === 'operator') return;
  const local =
    !ctx.config.SMTP_URL &&
    isLoopback(clientInfo(c).ip) &&
    !c.req.header('x-forwarded-for') &&
    !c.req.header('forwarded') &&
    !c.req.header('x-real-ip');
  if (local) return;
  if (!auth) throw AppError.unauthenticated();
  throw AppError.forbidden('Only operators of this service can read the mailbox.');
}
