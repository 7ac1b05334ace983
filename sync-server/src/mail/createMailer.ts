import type { Config } from '../config/config.ts';
import { ShutdownPhase, type ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import type { Logger } from '../log/logger.ts';
import type { MailMessage, Mailer } from './Mailer.ts';
import type { AsyncMailOutbox } from './MailOutbox.ts';
import { OutboxMailer } from './OutboxMailer.ts';
import { SmtpMailer } from './SmtpMailer.ts';

/**
 * The server's one mailer, built once in `createServices`: SMTP when `SMTP_URL` is set, else
 * the outbox (`outbox`: the control plane's, so on PostgreSQL every process keeps mail in
 * the one database the mailbox page reads).
 */
export function createMailer(deps: {
  readonly config: Config;
  readonly outbox: AsyncMailOutbox;
  readonly log: Logger;
  readonly shutdown: ShutdownHooks;
}): Mailer {
  if (deps.config.SMTP_URL) {
    const smtp = new SmtpMailer(deps.config.SMTP_URL, deps.config.MAIL_FROM);
    deps.shutdown.add(ShutdownPhase.stores, 'smtp transport', () => smtp.close());
    return smtp;
  }
  return new OutboxMailer(deps.outbox, deps.log);
}

/**
 * Sends and logs a failure instead of throwing: for mail whose loss must not fail the
 * request that caused it (a confirmation after the action already happened). The address
 * and subject are logged, never the body (it may hold a link with a secret).
 */
export async function sendWithoutFailing(
  deps: { readonly mailer: Mailer; readonly log: Logger },
  message: MailMessage,
): Promise<void> {
  try {
    await deps.mailer.send(message);
  } catch (err) {
    deps.log.error({ err, to: message.to, subject: message.subject }, 'mail could not be sent');
  }
}
