import type { ServerContext } from '../ServerContext.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { Mailer } from './Mailer.ts';
import { OutboxMailer } from './OutboxMailer.ts';
import { SmtpMailer } from './SmtpMailer.ts';

const mailers = new WeakMap<ServerContext, Mailer>();

/**
 * The server's one mailer: SMTP when `SMTP_URL` is set, else the outbox table. Created on
 * first use and kept per server, so any module can send (`await getMailer(ctx).send(...)`)
 * without an install order.
 */
export function getMailer(ctx: ServerContext): Mailer {
  let mailer = mailers.get(ctx);
  if (!mailer) {
    if (ctx.config.SMTP_URL) {
      const smtp = new SmtpMailer(ctx.config.SMTP_URL, ctx.config.MAIL_FROM);
      ctx.shutdown.add(ShutdownPhase.stores, 'smtp transport', () => smtp.close());
      mailer = smtp;
    } else {
      mailer = new OutboxMailer(ctx.db, ctx.now, ctx.log);
    }
    mailers.set(ctx, mailer);
  }
  return mailer;
}

/**
 * Sends and logs a failure instead of throwing: for mail whose loss must not fail the
 * request that caused it (a confirmation after the action already happened). The address
 * and subject are logged, never the body (it may hold a link with a secret).
 */
export async function sendWithoutFailing(
  ctx: ServerContext,
  message: Parameters<Mailer['send']>[0],
) {
  try {
    await getMailer(ctx).send(message);
  } catch (err) {
    ctx.log.error({ err, to: message.to, subject: message.subject }, 'mail could not be sent');
  }
}
