import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** A user's report of unauthorized use of their account, as operators read it. */
export interface SecurityReport {
  readonly id: string;
  readonly user: { readonly id: string; readonly email: string; readonly displayName: string };
  readonly kind: string;
  readonly note: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly sessionsEnded: number;
  readonly createdAt: number;
}

/** Reports of unauthorized use (table `security_reports`, terms §2). */
export interface SecurityReportStore {
  /** Records a report of unauthorized use; returns its id. */
  recordUnauthorizedUse(input: {
    userId: string;
    note: string | null;
    ip: string | null;
    userAgent: string | null;
    sessionsEnded: number;
  }): string;
  /** The newest reports first, at most `limit`. */
  latest(limit: number): SecurityReport[];
  /** Deletes the user's reports (account deletion); returns how many. */
  deleteForUser(userId: string): number;
}

/** The SecurityReportStore as callers see it once PostgreSQL may be behind it. */
export type AsyncSecurityReportStore = AsyncStore<SecurityReportStore>;

/** A report row joined with its user, as `latest` reads it. */
export interface SecurityReportRow {
  id: string;
  user_id: string;
  email: string;
  display_name: string;
  kind: string;
  note: string | null;
  ip: string | null;
  user_agent: string | null;
  sessions_ended: number;
  created_at: number;
}

export function securityReportOf(r: SecurityReportRow): SecurityReport {
  return {
    id: r.id,
    user: { id: r.user_id, email: r.email, displayName: r.display_name },
    kind: r.kind,
    note: r.note,
    ip: r.ip,
    userAgent: r.user_agent,
    sessionsEnded: r.sessions_ended,
    createdAt: r.created_at,
  };
}

export class SqliteSecurityReportStore implements SecurityReportStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  recordUnauthorizedUse(input: {
    userId: string;
    note: string | null;
    ip: string | null;
    userAgent: string | null;
    sessionsEnded: number;
  }): string {
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO security_reports (id, user_id, kind, note, ip, user_agent, sessions_ended, created_at)
         VALUES (?, ?, 'unauthorized_use', ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.userId,
        input.note,
        input.ip,
        input.userAgent,
        input.sessionsEnded,
        this.now(),
      );
    return id;
  }

  latest(limit: number): SecurityReport[] {
    const rows = this.db
      .prepare(
        `SELECT r.id, r.user_id, u.email, u.display_name, r.kind, r.note, r.ip, r.user_agent,
                r.sessions_ended, r.created_at
         FROM security_reports r JOIN users u ON u.id = r.user_id
         ORDER BY r.created_at DESC LIMIT ?`,
      )
      .all(limit) as SecurityReportRow[];
    return rows.map(securityReportOf);
  }

  deleteForUser(userId: string): number {
    return this.db.prepare('DELETE FROM security_reports WHERE user_id = ?').run(userId).changes;
  }
}
