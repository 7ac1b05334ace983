import type { Logger } from '../log/logger.ts';
import type { MailMessage, Mailer } from './Mailer.ts';
import type { AsyncMailOutbox } from './MailOutbox.ts';

/** The message of the one log line that carries links (see `OutboxMailer.send`). */
export const OUTBOX_LOG_MESSAGE = 'mail kept in the outbox (SMTP_URL unset)';

/**
 * Keeps every message in the outbox (`MailOutbox`, the `mail_outbox` table). This is how
 * sign-up confirmations, invitations and password resets work on a machine with no mail
 * server: the operator reads them in the server log or on the operator console
 * (`/api/mailbox`, operators only).
 */
export class OutboxMailer implements Mailer {
  readonly kind = 'outbox';

  constructor(
    private readonly outbox: AsyncMailOutbox,
    private readonly log: Logger,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await this.outbox.add({
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    // The one deliberate exception to "no secrets in logs": without SMTP_URL the person
    // running a one-machine trial has no other way to the links (sign-up confirmation,
    // invitations, resets), and `/api/mailbox` is for operators only. Whoever can read this
    // log already holds the database those links are checked against. With SMTP_URL set this
    // mailer is not used and no link is ever logged.
    this.log.info(
      { to: message.to, subject: message.subject, links: linksIn(message.text) },
      OUTBOX_LOG_MESSAGE,
    );
  }
}

function linksIn(text: string): string[] {
  return text.match(/https?:\/\/\S+/g) ?? [];
}
