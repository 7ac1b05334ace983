import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { Logger } from '../log/logger.ts';
import type { MailMessage, Mailer } from './Mailer.ts';

export interface OutboxEntry {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
}

/** The message of the one log line that carries links (see `SqliteOutboxMailer.send`). */
export const OUTBOX_LOG_MESSAGE = 'mail kept in the outbox (SMTP_URL unset)';

/**
 * Keeps every message in the `mail_outbox` table. This is how sign-up confirmations,
 * invitations and password resets work on a machine with no mail server: the operator reads
 * them in the server log or on the operator console (`/api/mailbox`, operators only).
 */
export class SqliteOutboxMailer implements Mailer {
  readonly kind = 'outbox';

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  send(message: MailMessage): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(newId(), message.to, message.subject, message.text, message.html, this.now());
    // The one deliberate exception to "no secrets in logs": without SMTP_URL the person
    // running a one-machine trial has no other way to the links (sign-up confirmation,
    // invitations, resets), and `/api/mailbox` is for operators only. Whoever can read this
    // log already holds the database those links are checked against. With SMTP_URL set this
    // mailer is not used and no link is ever logged.
    this.log.info(
      { to: message.to, subject: message.subject, links: linksIn(message.text) },
      OUTBOX_LOG_MESSAGE,
    );
    return Promise.resolve();
  }

  /** Newest first; optionally only mail to one address. */
  list({ to, limit = 100 }: { to?: string; limit?: number } = {}): OutboxEntry[] {
    const rows = (
      to === undefined
        ? this.db
            .prepare('SELECT * FROM mail_outbox ORDER BY created_at DESC, rowid DESC LIMIT ?')
            .all(limit)
        : this.db
            .prepare(
              'SELECT * FROM mail_outbox WHERE to_address = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
            )
            .all(to, limit)
    ) as {
      id: string;
      to_address: string;
      subject: string;
      text_body: string;
      html_body: string;
      created_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      text: r.text_body,
      html: r.html_body,
      createdAt: r.created_at,
    }));
  }
}

function linksIn(text: string): string[] {
  return text.match(/https?:\/\/\S+/g) ?? [];
}
