import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  pendingDeletionOf,
  type AsyncWorkspaceDeletionStore,
  type PendingDeletion,
  type PendingDeletionRow,
  type WorkspaceOwnerContact,
} from './WorkspaceDeletionStore.ts';

const COLUMNS = 'workspace_id, reason, requested_by, requested_at, purge_after';

/**
 * The workspace deletion schedule on the SQL seam (store/sql/): SqliteWorkspaceDeletionStore's
 * statements written once for SQLite and PostgreSQL. `pending` is asked for every document
 * subscription: one primary-key lookup. A warning is recorded with ON CONFLICT DO NOTHING,
 * so two processes recording the same one keep one row.
 */
export class SqlWorkspaceDeletionStore implements AsyncWorkspaceDeletionStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async pending(workspaceId: string): Promise<PendingDeletion | null> {
    const row = await this.db.get<PendingDeletionRow>(
      `SELECT ${COLUMNS} FROM workspace_deletions WHERE workspace_id = ?`,
      [workspaceId],
    );
    return row ? pendingDeletionOf(row) : null;
  }

  async schedule(d: PendingDeletion): Promise<void> {
    await this.db.run(
      `INSERT INTO workspace_deletions (workspace_id, reason, requested_by, requested_at, purge_after)
       VALUES (?, ?, ?, ?, ?)`,
      [d.workspaceId, d.reason, d.requestedBy, d.requestedAt, d.purgeAfter],
    );
  }

  async cancel(workspaceId: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'DELETE FROM workspace_deletions WHERE workspace_id = ?',
      [workspaceId],
    );
    return changes > 0;
  }

  async due(now: number): Promise<PendingDeletion[]> {
    const rows = await this.db.all<PendingDeletionRow>(
      `SELECT ${COLUMNS} FROM workspace_deletions WHERE purge_after <= ?
        ORDER BY purge_after, workspace_id`,
      [now],
    );
    return rows.map(pendingDeletionOf);
  }

  async warned(workspaceId: string, purgeAfter: number, daysBefore: number): Promise<boolean> {
    const row = await this.db.get(
      `SELECT 1 AS sent FROM workspace_purge_warnings
        WHERE workspace_id = ? AND purge_after = ? AND days_before = ?`,
      [workspaceId, purgeAfter, daysBefore],
    );
    return row !== undefined;
  }

  async recordWarning(workspaceId: string, purgeAfter: number, daysBefore: number): Promise<void> {
    await this.db.run(
      `INSERT INTO workspace_purge_warnings (workspace_id, purge_after, days_before, sent_at)
       VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [workspaceId, purgeAfter, daysBefore, this.now()],
    );
  }

  async owner(workspaceId: string): Promise<WorkspaceOwnerContact | null> {
    const row = await this.db.get<WorkspaceOwnerContact>(
      `SELECT u.id AS "userId", u.email, u.display_name AS "displayName"
         FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = ? AND m.role = 'owner'`,
      [workspaceId],
    );
    return row ?? null;
  }

  async terminated(): Promise<
    { workspaceId: string; deleteAfter: number; terminatedAt: number | null }[]
  > {
    return this.db.all<{ workspaceId: string; deleteAfter: number; terminatedAt: number | null }>(
      `SELECT workspace_id AS "workspaceId", delete_after AS "deleteAfter",
              terminated_at AS "terminatedAt"
         FROM subscriptions
        WHERE state = 'terminated' AND delete_after IS NOT NULL
        ORDER BY delete_after, workspace_id`,
    );
  }
}
