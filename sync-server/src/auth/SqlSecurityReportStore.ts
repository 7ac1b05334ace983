import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  securityReportOf,
  type AsyncSecurityReportStore,
  type SecurityReport,
  type SecurityReportRow,
} from './SecurityReports.ts';

/** Reports of unauthorized use on the SQL seam (store/sql/), written once for both engines. */
export class SqlSecurityReportStore implements AsyncSecurityReportStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async recordUnauthorizedUse(input: {
    userId: string;
    note: string | null;
    ip: string | null;
    userAgent: string | null;
    sessionsEnded: number;
  }): Promise<string> {
    const id = newId();
    await this.db.run(
      `INSERT INTO security_reports (id, user_id, kind, note, ip, user_agent, sessions_ended, created_at)
       VALUES (?, ?, 'unauthorized_use', ?, ?, ?, ?, ?)`,
      [id, input.userId, input.note, input.ip, input.userAgent, input.sessionsEnded, this.now()],
    );
    return id;
  }

  async latest(limit: number): Promise<SecurityReport[]> {
    const rows = await this.db.all<SecurityReportRow>(
      `SELECT r.id, r.user_id, u.email, u.display_name, r.kind, r.note, r.ip, r.user_agent,
              r.sessions_ended, r.created_at
         FROM security_reports r JOIN users u ON u.id = r.user_id
        ORDER BY r.created_at DESC, r.id DESC LIMIT ?`,
      [limit],
    );
    return rows.map(securityReportOf);
  }

  async deleteForUser(userId: string): Promise<number> {
    return (await this.db.run('DELETE FROM security_reports WHERE user_id = ?', [userId])).changes;
  }
}
