import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  operatorGrantOf,
  supportGrantOf,
  type ActiveGrantRow,
  type AsyncSupportGrantStore,
  type NewSupportGrant,
  type OperatorSupportGrant,
  type SupportGrant,
  type SupportGrantRow,
} from './SupportGrantStore.ts';
import { SupportAuditAction } from './SupportGrants.ts';

/**
 * Support grants on the SQL seam (store/sql/): the rules of SqliteSupportGrantStore written
 * once for SQLite and PostgreSQL. What operators did under a grant is counted from the
 * workspace's audit log, whose details are JSON stored as text (`dialect.jsonText`).
 */
export class SqlSupportGrantStore implements AsyncSupportGrantStore {
  readonly #select: string;

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {
    const grantOf = db.dialect.jsonText('a.details', 'grantId');
    const counted = (action: string) => `(SELECT COUNT(*) FROM audit_log a
        WHERE a.workspace_id = g.workspace_id AND a.action = '${action}' AND ${grantOf} = g.id)`;
    this.#select = `SELECT g.id, g.workspace_id, g.reason, g.access, g.created_at, g.expires_at,
        g.granted_by, gb.display_name AS granted_by_name, g.revoked_at, g.revoked_by,
        rb.display_name AS revoked_by_name,
        ${counted(SupportAuditAction.request)} AS requests,
        ${counted(SupportAuditAction.documentOpened)} AS documents_opened
      FROM support_grants g
      JOIN users gb ON gb.id = g.granted_by
      LEFT JOIN users rb ON rb.id = g.revoked_by`;
  }

  async create(input: NewSupportGrant): Promise<SupportGrant> {
    const id = newId();
    const now = this.now();
    await this.db.run(
      `INSERT INTO support_grants (id, workspace_id, granted_by, reason, access, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        input.workspaceId,
        input.grantedBy,
        input.reason,
        input.access,
        now,
        now + input.durationMs,
      ],
    );
    const grant = await this.get(input.workspaceId, id);
    if (!grant) throw new Error('created support grant vanished');
    return grant;
  }

  async get(workspaceId: string, grantId: string): Promise<SupportGrant | null> {
    const row = await this.db.get<SupportGrantRow>(
      `${this.#select} WHERE g.workspace_id = ? AND g.id = ?`,
      [workspaceId, grantId],
    );
    return row ? this.#fromRow(row) : null;
  }

  async list(workspaceId: string): Promise<SupportGrant[]> {
    const rows = await this.db.all<SupportGrantRow>(
      `${this.#select} WHERE g.workspace_id = ? ORDER BY g.created_at DESC, g.id DESC`,
      [workspaceId],
    );
    return rows.map((r) => this.#fromRow(r));
  }

  async revoke(
    workspaceId: string,
    grantId: string,
    byUserId: string,
  ): Promise<SupportGrant | null> {
    const now = this.now();
    // One statement: of two revocations at once (two processes), one changes the row.
    const { changes } = await this.db.run(
      `UPDATE support_grants SET revoked_at = ?, revoked_by = ?
        WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?`,
      [now, byUserId, workspaceId, grantId, now],
    );
    return changes === 1 ? this.get(workspaceId, grantId) : null;
  }

  async active(): Promise<OperatorSupportGrant[]> {
    const rows = await this.db.all<ActiveGrantRow>(
      `SELECT g.id, g.reason, g.access, g.created_at, g.expires_at,
              w.id AS workspace_id, w.slug, w.name, u.display_name AS granted_by_name
         FROM support_grants g
         JOIN workspaces w ON w.id = g.workspace_id
         JOIN users u ON u.id = g.granted_by
        WHERE g.revoked_at IS NULL AND g.expiry_noticed_at IS NULL AND g.expires_at > ?
        ORDER BY g.expires_at, g.id`,
      [this.now()],
    );
    return rows.map(operatorGrantOf);
  }

  async dueExpiries(): Promise<SupportGrant[]> {
    const rows = await this.db.all<SupportGrantRow>(
      `${this.#select}
        WHERE g.revoked_at IS NULL AND g.expiry_noticed_at IS NULL AND g.expires_at <= ?
        ORDER BY g.expires_at, g.id`,
      [this.now()],
    );
    return rows.map((r) => this.#fromRow(r));
  }

  async markExpiryNoticed(grantId: string): Promise<boolean> {
    // On PostgreSQL a second process's UPDATE waits for the first's row lock, then finds
    // the condition no longer holds: it changes nothing and is told so.
    const { changes } = await this.db.run(
      'UPDATE support_grants SET expiry_noticed_at = ? WHERE id = ? AND expiry_noticed_at IS NULL',
      [this.now(), grantId],
    );
    return changes > 0;
  }

  async nextExpiry(): Promise<number | null> {
    const row = await this.db.get<{ next: number | null }>(
      `SELECT MIN(expires_at) AS next FROM support_grants
        WHERE revoked_at IS NULL AND expiry_noticed_at IS NULL`,
    );
    return row?.next ?? null;
  }

  async operatorIds(): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM users WHERE platform_role = 'operator' ORDER BY id`,
    );
    return rows.map((r) => r.id);
  }

  #fromRow(r: SupportGrantRow): SupportGrant {
    return supportGrantOf(r, this.now());
  }
}
