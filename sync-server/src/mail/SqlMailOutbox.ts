import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  fromOutboxRow,
  OUTBOX_ORDER,
  OUTBOX_SELECT,
  type AsyncMailOutbox,
  type OutboxEntry,
  type OutboxMessage,
  type OutboxRow,
} from './MailOutbox.ts';

/**
 * The mail outbox on the SQL seam (store/sql/), written once for SQLite and PostgreSQL.
 * PostgreSQL's table has a `rowid` identity column (pgAdminSchema), so a millisecond's
 * messages list in the order they were kept on both.
 */
export class SqlMailOutbox implements AsyncMailOutbox {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async add(message: OutboxMessage): Promise<string> {
    const id = newId();
    await this.db.run(
      `INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [id, message.to, message.subject, message.text, message.html, this.now()],
    );
    return id;
  }

  async list({ to, limit = 100 }: { to?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
    const rows =
      to === undefined
        ? await this.db.all<OutboxRow>(`${OUTBOX_SELECT} ${OUTBOX_ORDER}`, [limit])
        : await this.db.all<OutboxRow>(`${OUTBOX_SELECT} WHERE to_address = ? ${OUTBOX_ORDER}`, [
            to,
            limit,
          ]);
    return rows.map(fromOutboxRow);
  }
}
