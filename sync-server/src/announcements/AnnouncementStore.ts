import type { Announcement, AnnouncementAudience } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { cachedStatement } from '../db/statementCache.ts';
import { newId } from '../ids/newId.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

export type { Announcement, AnnouncementAudience };

/** A user an announcement is mailed to: only what the email needs (terms §3). */
export interface Recipient {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
}

/** An announcement being delivered, as the sender needs it. */
export interface PendingAnnouncement {
  readonly id: string;
  readonly subject: string;
  readonly text: string;
}

export interface NewAnnouncement {
  readonly subject: string;
  readonly text: string;
  readonly audience: AnnouncementAudience;
  readonly createdBy: string;
}

/**
 * Feature announcements, their delivery, and users' opt-outs (migration 0019). Synchronous,
 * so a route can put a call in one transaction with the audit entry.
 */
export interface AnnouncementStore {
  /** Records the announcement and counts its recipients (who have not opted out) now. */
  create(input: NewAnnouncement): Announcement;
  get(id: string): Announcement | undefined;
  /** Newest first, with delivery progress. */
  list(limit?: number): Announcement[];
  /**
   * The oldest announcement whose delivery has not ended: what its email needs, without the
   * progress counts (the sender asks once per batch; counting would rescan its deliveries).
   */
  nextUnfinished(): PendingAnnouncement | undefined;
  /**
   * Up to `limit` recipients after the announcement's cursor, in id order: active users of
   * its audience who existed when it was sent, have not opted out and have no delivery row.
   */
  nextRecipients(announcementId: string, limit: number): Recipient[];
  /**
   * Takes one recipient for sending: writes the `sending` row unless the user has opted out
   * meanwhile or already has a row. Returns whether the message may go out.
   */
  claim(announcementId: string, userId: string): boolean;
  settle(announcementId: string, userId: string, status: 'sent' | 'failed'): void;
  /** Moves the cursor past a handled batch. */
  advance(announcementId: string, lastUserId: string): void;
  finish(announcementId: string): void;
  /**
   * Sends a finished announcement again to the recipients whose message failed (and only to
   * them): their `failed` rows go and the cursor starts over, so the next run finds exactly
   * the users without a row. Returns how many will be tried.
   */
  retryFailed(announcementId: string): number;
  /**
   * Rows left `sending` by a process that stopped mid-message become `interrupted` (never
   * retried: the message may have gone out). Call before a sending run starts.
   */
  interruptInFlight(): number;
  receives(userId: string): boolean;
  setReceives(userId: string, receive: boolean): void;
  /** The HMAC key of opt-out links (made by the migration, one per installation). */
  signingKey(): Buffer;
}

/** The announcement store on its async interface: SQLite's wrapped, or `SqlAnnouncementStore`. */
export type AsyncAnnouncementStore = AsyncStore<AnnouncementStore>;

/** A row of `SELECT_WITH_PROGRESS`. */
export interface AnnouncementRow {
  id: string;
  subject: string;
  body: string;
  audience: AnnouncementAudience;
  created_at: number;
  recipients: number;
  opted_out: number;
  finished_at: number | null;
  sent: number;
  failed: number;
  interrupted: number;
}

/** Users an announcement may reach, as `u`: active, not deleted, of its audience, existing then. */
const AUDIENCE = `
  u.status = 'active'
  AND u.email NOT LIKE '%@${DELETED_EMAIL_DOMAIN}'
  AND u.created_at <= @createdAt
  AND (@audience = 'all'
       OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'owner'))`;

/** Whether the user `u` opted out of announcements. */
export const OPTED_OUT = 'EXISTS (SELECT 1 FROM announcement_opt_outs o WHERE o.user_id = u.id)';

/** An announcement (`a`) with its delivery progress (both stores). */
export const SELECT_WITH_PROGRESS = `
  SELECT a.id, a.subject, a.body, a.audience, a.created_at, a.recipients, a.opted_out, a.finished_at,
    (SELECT COUNT(*) FROM announcement_deliveries d WHERE d.announcement_id = a.id AND d.status = 'sent') AS sent,
    (SELECT COUNT(*) FROM announcement_deliveries d WHERE d.announcement_id = a.id AND d.status = 'failed') AS failed,
    (SELECT COUNT(*) FROM announcement_deliveries d WHERE d.announcement_id = a.id AND d.status = 'interrupted') AS interrupted
  FROM announcements a`;

export class SqliteAnnouncementStore implements AnnouncementStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  create(input: NewAnnouncement): Announcement {
    const id = newId();
    const createdAt = this.now();
    const counts = this.db
      .prepare(
        `SELECT COUNT(*) FILTER (WHERE NOT ${OPTED_OUT}) AS recipients,
                COUNT(*) FILTER (WHERE ${OPTED_OUT}) AS optedOut
         FROM users u WHERE ${AUDIENCE}`,
      )
      .get({ createdAt, audience: input.audience }) as { recipients: number; optedOut: number };
    this.db
      .prepare(
        `INSERT INTO announcements (id, subject, body, audience, created_at, created_by, recipients, opted_out)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.subject,
        input.text,
        input.audience,
        createdAt,
        input.createdBy,
        counts.recipients,
        counts.optedOut,
      );
    return this.get(id)!;
  }

  get(id: string): Announcement | undefined {
    const row = this.db.prepare(`${SELECT_WITH_PROGRESS} WHERE a.id = ?`).get(id);
    return row ? toAnnouncement(row as AnnouncementRow) : undefined;
  }

  list(limit = 50): Announcement[] {
    const rows = this.db
      .prepare(`${SELECT_WITH_PROGRESS} ORDER BY a.created_at DESC, a.rowid DESC LIMIT ?`)
      .all(limit) as AnnouncementRow[];
    return rows.map(toAnnouncement);
  }

  nextUnfinished(): PendingAnnouncement | undefined {
    const row = this.db
      .prepare(
        `SELECT id, subject, body FROM announcements
         WHERE finished_at IS NULL ORDER BY created_at, rowid LIMIT 1`,
      )
      .get() as { id: string; subject: string; body: string } | undefined;
    return row ? { id: row.id, subject: row.subject, text: row.body } : undefined;
  }

  nextRecipients(announcementId: string, limit: number): Recipient[] {
    const a = this.db
      .prepare('SELECT audience, created_at, cursor FROM announcements WHERE id = ?')
      .get(announcementId) as
      { audience: AnnouncementAudience; created_at: number; cursor: string } | undefined;
    if (!a) return [];
    const rows = this.db
      .prepare(
        `SELECT u.id, u.email, u.display_name FROM users u
         WHERE u.id > @cursor AND ${AUDIENCE} AND NOT ${OPTED_OUT}
           AND NOT EXISTS (SELECT 1 FROM announcement_deliveries d
                           WHERE d.announcement_id = @announcementId AND d.user_id = u.id)
         ORDER BY u.id LIMIT @limit`,
      )
      .all({
        cursor: a.cursor,
        createdAt: a.created_at,
        audience: a.audience,
        announcementId,
        limit,
      }) as { id: string; email: string; display_name: string }[];
    return rows.map((r) => ({ id: r.id, email: r.email, displayName: r.display_name }));
  }

  claim(announcementId: string, userId: string): boolean {
    // One statement: the opt-out check and the claim cannot be split by another write.
    // Per recipient: cached statements (the sender runs these thousands of times).
    const result = cachedStatement(
      this.db,
      `INSERT OR IGNORE INTO announcement_deliveries (announcement_id, user_id, status, at)
       SELECT ?, u.id, 'sending', ? FROM users u WHERE u.id = ? AND NOT ${OPTED_OUT}`,
    ).run(announcementId, this.now(), userId);
    return result.changes === 1;
  }

  settle(announcementId: string, userId: string, status: 'sent' | 'failed'): void {
    cachedStatement(
      this.db,
      `UPDATE announcement_deliveries SET status = ?, at = ?
       WHERE announcement_id = ? AND user_id = ? AND status = 'sending'`,
    ).run(status, this.now(), announcementId, userId);
  }

  advance(announcementId: string, lastUserId: string): void {
    this.db
      .prepare('UPDATE announcements SET cursor = ? WHERE id = ? AND cursor < ?')
      .run(lastUserId, announcementId, lastUserId);
  }

  finish(announcementId: string): void {
    this.db
      .prepare('UPDATE announcements SET finished_at = ? WHERE id = ? AND finished_at IS NULL')
      .run(this.now(), announcementId);
  }

  retryFailed(announcementId: string): number {
    const retried = this.db
      .prepare(
        `DELETE FROM announcement_deliveries WHERE announcement_id = ? AND status = 'failed'`,
      )
      .run(announcementId).changes;
    if (retried > 0) {
      this.db
        .prepare(`UPDATE announcements SET cursor = '', finished_at = NULL WHERE id = ?`)
        .run(announcementId);
    }
    return retried;
  }

  interruptInFlight(): number {
    return this.db
      .prepare(
        `UPDATE announcement_deliveries SET status = 'interrupted', at = ? WHERE status = 'sending'`,
      )
      .run(this.now()).changes;
  }

  receives(userId: string): boolean {
    return !this.db.prepare('SELECT 1 FROM announcement_opt_outs WHERE user_id = ?').get(userId);
  }

  setReceives(userId: string, receive: boolean): void {
    if (receive) {
      this.db.prepare('DELETE FROM announcement_opt_outs WHERE user_id = ?').run(userId);
    } else {
      this.db
        .prepare('INSERT OR IGNORE INTO announcement_opt_outs (user_id, at) VALUES (?, ?)')
        .run(userId, this.now());
    }
  }

  signingKey(): Buffer {
    const row = this.db.prepare('SELECT key FROM announcement_signing_key WHERE id = 1').get() as
      { key: Buffer } | undefined;
    if (!row) throw new Error('announcement signing key missing (migration 0019)');
    return row.key;
  }
}

export function toAnnouncement(row: AnnouncementRow): Announcement {
  return {
    id: row.id,
    subject: row.subject,
    text: row.body,
    audience: row.audience,
    createdAt: row.created_at,
    recipients: row.recipients,
    optedOut: row.opted_out,
    sent: row.sent,
    failed: row.failed,
    interrupted: row.interrupted,
    finishedAt: row.finished_at,
  };
}
