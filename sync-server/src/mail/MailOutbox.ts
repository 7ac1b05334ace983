import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** One kept message, as the mailbox page shows it. */
export interface OutboxEntry {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
}

/** What the outbox keeps of a message (no headers: nothing reads them there). */
export interface OutboxMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The `mail_outbox` table: where mail is kept when no SMTP server is configured
 * (`OutboxMailer`), read by the operators' mailbox page.
 */
export interface MailOutbox {
  /** Keeps a message; returns its id. */
  add(message: OutboxMessage): string;
  /** Newest first (one millisecond's in the order they were kept); optionally to one address. */
  list(query?: { readonly to?: string; readonly limit?: number }): OutboxEntry[];
}

/** The outbox on its async interface: SQLite's wrapped, or `SqlMailOutbox`. */
export type AsyncMailOutbox = AsyncStore<MailOutbox>;

export interface OutboxRow {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: number;
}

export const fromOutboxRow = (r: OutboxRow): OutboxEntry => ({
  id: r.id,
  to: r.to_address,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  createdAt: r.created_at,
});

/** The columns `list` reads, and its order: newest first, a millisecond's ties by rowid. */
export const OUTBOX_SELECT =
  'SELECT id, to_address, subject, text_body, html_body, created_at FROM mail_outbox';
export const OUTBOX_ORDER = 'ORDER BY created_at DESC, rowid DESC LIMIT ?';

export class SqliteMailOutbox implements MailOutbox {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  add(message: OutboxMessage): string {
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, message.to, message.subject, message.text, message.html, this.now());
    return id;
  }

  list({ to, limit = 100 }: { to?: string; limit?: number } = {}): OutboxEntry[] {
    const rows = (
      to === undefined
        ? this.db.prepare(`${OUTBOX_SELECT} ${OUTBOX_ORDER}`).all(limit)
        : this.db.prepare(`${OUTBOX_SELECT} WHERE to_address = ? ${OUTBOX_ORDER}`).all(to, limit)
    ) as OutboxRow[];
    return rows.map(fromOutboxRow);
  }
}
