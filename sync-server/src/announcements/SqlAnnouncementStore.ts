import { randomBytes } from 'node:crypto';
import { newId } from '../ids/newId.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import type { SqlDatabase, SqlValue } from '../store/sql/SqlDatabase.ts';
import {
  OPTED_OUT,
  SELECT_WITH_PROGRESS,
  toAnnouncement,
  type Announcement,
  type AnnouncementAudience,
  type AnnouncementRow,
  type AsyncAnnouncementStore,
  type NewAnnouncement,
  type PendingAnnouncement,
  type Recipient,
} from './AnnouncementStore.ts';

/**
 * Users an announcement may reach, as `u`: active, not deleted, of its audience, existing
 * then. Its two parameters, in order: the announcement's time, its audience.
 */
const AUDIENCE = `
  u.status = 'active'
  AND u.email NOT LIKE '%@${DELETED_EMAIL_DOMAIN}'
  AND u.created_at <= ?
  AND (CAST(? AS TEXT) = 'all'
       OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'owner'))`;

const audienceParams = (createdAt: number, audience: AnnouncementAudience): SqlValue[] => [
  createdAt,
  audience,
];

/**
 * Announcements, their deliveries and users' opt-outs on the SQL seam (store/sql/): the
 * rules of SqliteAnnouncementStore, written once for SQLite and PostgreSQL. What keeps a
 * recipient from getting one announcement twice is the deliveries' primary key: `claim` is
 * one statement, so two senders claiming one recipient at once (two processes, each
 * believing it holds the job) get one `true` between them — PostgreSQL's second insert
 * waits for the first to commit and then finds the row.
 */
export class SqlAnnouncementStore implements AsyncAnnouncementStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async create(input: NewAnnouncement): Promise<Announcement> {
    const id = newId();
    const createdAt = this.now();
    return this.db.transaction(async () => {
      const counts = (await this.db.get<{ recipients: number; opted_out: number }>(
        `SELECT COUNT(*) FILTER (WHERE NOT ${OPTED_OUT}) AS recipients,
                COUNT(*) FILTER (WHERE ${OPTED_OUT}) AS opted_out
         FROM users u WHERE ${AUDIENCE}`,
        audienceParams(createdAt, input.audience),
      ))!;
      await this.db.run(
        `INSERT INTO announcements (id, subject, body, audience, created_at, created_by, recipients, opted_out)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          input.subject,
          input.text,
          input.audience,
          createdAt,
          input.createdBy,
          counts.recipients,
          counts.opted_out,
        ],
      );
      return (await this.get(id))!;
    });
  }

  async get(id: string): Promise<Announcement | undefined> {
    const row = await this.db.get<AnnouncementRow>(`${SELECT_WITH_PROGRESS} WHERE a.id = ?`, [id]);
    return row ? toAnnouncement(row) : undefined;
  }

  async list(limit = 50): Promise<Announcement[]> {
    const rows = await this.db.all<AnnouncementRow>(
      `${SELECT_WITH_PROGRESS} ORDER BY a.created_at DESC, a.rowid DESC LIMIT ?`,
      [limit],
    );
    return rows.map(toAnnouncement);
  }

  async nextUnfinished(): Promise<PendingAnnouncement | undefined> {
    const row = await this.db.get<{ id: string; subject: string; body: string }>(
      `SELECT id, subject, body FROM announcements
       WHERE finished_at IS NULL ORDER BY created_at, rowid LIMIT 1`,
    );
    return row ? { id: row.id, subject: row.subject, text: row.body } : undefined;
  }

  async nextRecipients(announcementId: string, limit: number): Promise<Recipient[]> {
    const a = await this.db.get<{
      audience: AnnouncementAudience;
      created_at: number;
      cursor: string;
    }>('SELECT audience, created_at, cursor FROM announcements WHERE id = ?', [announcementId]);
    if (!a) return [];
    const rows = await this.db.all<{ id: string; email: string; display_name: string }>(
      `SELECT u.id, u.email, u.display_name FROM users u
       WHERE u.id > ? AND ${AUDIENCE} AND NOT ${OPTED_OUT}
         AND NOT EXISTS (SELECT 1 FROM announcement_deliveries d
                         WHERE d.announcement_id = ? AND d.user_id = u.id)
       ORDER BY u.id LIMIT ?`,
      [a.cursor, ...audienceParams(a.created_at, a.audience), announcementId, limit],
    );
    return rows.map((r) => ({ id: r.id, email: r.email, displayName: r.display_name }));
  }

  async claim(announcementId: string, userId: string): Promise<boolean> {
    // One statement: the opt-out check and the claim cannot be split by another write.
    const result = await this.db.run(
      `INSERT INTO announcement_deliveries (announcement_id, user_id, status, at)
       SELECT ?, u.id, 'sending', ? FROM users u WHERE u.id = ? AND NOT ${OPTED_OUT}
       ON CONFLICT (announcement_id, user_id) DO NOTHING`,
      [announcementId, this.now(), userId],
    );
    return result.changes === 1;
  }

  async settle(announcementId: string, userId: string, status: 'sent' | 'failed'): Promise<void> {
    await this.db.run(
      `UPDATE announcement_deliveries SET status = ?, at = ?
       WHERE announcement_id = ? AND user_id = ? AND status = 'sending'`,
      [status, this.now(), announcementId, userId],
    );
  }

  async advance(announcementId: string, lastUserId: string): Promise<void> {
    await this.db.run('UPDATE announcements SET cursor = ? WHERE id = ? AND cursor < ?', [
      lastUserId,
      announcementId,
      lastUserId,
    ]);
  }

  async finish(announcementId: string): Promise<void> {
    await this.db.run(
      'UPDATE announcements SET finished_at = ? WHERE id = ? AND finished_at IS NULL',
      [this.now(), announcementId],
    );
  }

  async retryFailed(announcementId: string): Promise<number> {
    return this.db.transaction(async () => {
      const retried = (
        await this.db.run(
          `DELETE FROM announcement_deliveries WHERE announcement_id = ? AND status = 'failed'`,
          [announcementId],
        )
      ).changes;
      if (retried > 0) {
        await this.db.run(`UPDATE announcements SET cursor = '', finished_at = NULL WHERE id = ?`, [
          announcementId,
        ]);
      }
      return retried;
    });
  }

  async interruptInFlight(): Promise<number> {
    const result = await this.db.run(
      `UPDATE announcement_deliveries SET status = 'interrupted', at = ? WHERE status = 'sending'`,
      [this.now()],
    );
    return result.changes;
  }

  async receives(userId: string): Promise<boolean> {
    const row = await this.db.get('SELECT 1 AS out FROM announcement_opt_outs WHERE user_id = ?', [
      userId,
    ]);
    return row === undefined;
  }

  async setReceives(userId: string, receive: boolean): Promise<void> {
    if (receive) {
      await this.db.run('DELETE FROM announcement_opt_outs WHERE user_id = ?', [userId]);
    } else {
      await this.db.run(
        'INSERT INTO announcement_opt_outs (user_id, at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING',
        [userId, this.now()],
      );
    }
  }

  /**
   * SQLite's migration makes the key; PostgreSQL's schema leaves it to the first caller
   * (pgAdminSchema). Two processes starting together may both write one: the first insert
   * wins, and both read the winner's.
   */
  async signingKey(): Promise<Buffer> {
    const read = () =>
      this.db.get<{ key: Buffer }>('SELECT key FROM announcement_signing_key WHERE id = 1');
    const found = await read();
    if (found) return found.key;
    await this.db.run(
      'INSERT INTO announcement_signing_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING',
      [randomBytes(32)],
    );
    const made = await read();
    if (!made) throw new Error('announcement signing key could not be written');
    return made.key;
  }
}
