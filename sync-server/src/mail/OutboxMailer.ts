import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { MailMessage, Mailer } from './Mailer.ts';

export interface OutboxEntry {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
}

/**
 * Keeps every message in the `mail_outbox` table, for the mailbox page. This is how
 * invitations and password resets work on a machine with no mail server: the local
 * operator reads them at /mailbox.
 */
export class OutboxMailer implements Mailer {
  readonly kind = 'outbox';

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  send(message: MailMessage): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(newId(), message.to, message.subject, message.text, message.html, this.now());
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
