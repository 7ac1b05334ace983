import type { WorkspaceDeletionReason } from '@desk/protocol';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** A workspace closed for deletion and not yet purged (table `workspace_deletions`). */
export interface PendingDeletion {
  workspaceId: string;
  reason: WorkspaceDeletionReason;
  requestedBy: string | null;
  requestedAt: number;
  purgeAfter: number;
}

/** Where a warning email goes: the workspace's owner. */
export interface WorkspaceOwnerContact {
  userId: string;
  email: string;
  displayName: string;
}

/**
 * The deletion schedule of workspaces (issue 16): which are closed and when each is purged,
 * which warning emails were sent before a purge, and the record of purged workspaces. The
 * purge itself (every table that holds a workspace's data) is `deletion/WorkspacePurgeStore`.
 */
export interface WorkspaceDeletionStore {
  /** The pending deletion of the workspace, or null when it is open. */
  pending(workspaceId: string): PendingDeletion | null;
  /** Closes the workspace; the caller's transaction records the audit entry beside it. */
  schedule(deletion: PendingDeletion): void;
  /** Reopens it; false when nothing was pending. */
  cancel(workspaceId: string): boolean;
  /** Pending deletions whose cancel window is over at `now`, oldest first. */
  due(now: number): PendingDeletion[];
  /** Whether the warning `daysBefore` the purge at `purgeAfter` was already sent. */
  warned(workspaceId: string, purgeAfter: number, daysBefore: number): boolean;
  recordWarning(workspaceId: string, purgeAfter: number, daysBefore: number): void;
  owner(workspaceId: string): WorkspaceOwnerContact | null;
  /**
   * Workspaces whose subscription was terminated, with the end of their grace period
   * (`subscriptions.delete_after`): purged once it passes unless reactivated before.
   */
  terminated(): { workspaceId: string; deleteAfter: number; terminatedAt: number | null }[];
}

/** The WorkspaceDeletionStore as callers see it once PostgreSQL may be behind it. */
export type AsyncWorkspaceDeletionStore = AsyncStore<WorkspaceDeletionStore>;

/** A schedule row as the stores read it. */
export interface PendingDeletionRow {
  workspace_id: string;
  reason: WorkspaceDeletionReason;
  requested_by: string | null;
  requested_at: number;
  purge_after: number;
}

export const pendingDeletionOf = (r: PendingDeletionRow): PendingDeletion => ({
  workspaceId: r.workspace_id,
  reason: r.reason,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  purgeAfter: r.purge_after,
});

export class SqliteWorkspaceDeletionStore implements WorkspaceDeletionStore {
  /** Asked for every document subscription: prepared on first use, once. */
  #pending: Statement<[string]> | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  pending(workspaceId: string): PendingDeletion | null {
    this.#pending ??= this.db.prepare<[string]>(
      'SELECT * FROM workspace_deletions WHERE workspace_id = ?',
    );
    const row = this.#pending.get(workspaceId) as PendingDeletionRow | undefined;
    return row ? pendingDeletionOf(row) : null;
  }

  schedule(d: PendingDeletion): void {
    this.db
      .prepare(
        `INSERT INTO workspace_deletions (workspace_id, reason, requested_by, requested_at, purge_after)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(d.workspaceId, d.reason, d.requestedBy, d.requestedAt, d.purgeAfter);
  }

  cancel(workspaceId: string): boolean {
    return (
      this.db.prepare('DELETE FROM workspace_deletions WHERE workspace_id = ?').run(workspaceId)
        .changes > 0
    );
  }

  due(now: number): PendingDeletion[] {
    const rows = this.db
      .prepare('SELECT * FROM workspace_deletions WHERE purge_after <= ? ORDER BY purge_after')
      .all(now) as PendingDeletionRow[];
    return rows.map(pendingDeletionOf);
  }

  warned(workspaceId: string, purgeAfter: number, daysBefore: number): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM workspace_purge_warnings
            WHERE workspace_id = ? AND purge_after = ? AND days_before = ?`,
        )
        .get(workspaceId, purgeAfter, daysBefore) !== undefined
    );
  }

  recordWarning(workspaceId: string, purgeAfter: number, daysBefore: number): void {
    this.db
      .prepare(
        `INSERT INTO workspace_purge_warnings (workspace_id, purge_after, days_before, sent_at)
         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(workspaceId, purgeAfter, daysBefore, this.now());
  }

  owner(workspaceId: string): WorkspaceOwnerContact | null {
    const row = this.db
      .prepare(
        `SELECT u.id AS userId, u.email, u.display_name AS displayName
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = ? AND m.role = 'owner'`,
      )
      .get(workspaceId) as WorkspaceOwnerContact | undefined;
    return row ?? null;
  }

  terminated(): { workspaceId: string; deleteAfter: number; terminatedAt: number | null }[] {
    return this.db
      .prepare(
        `SELECT workspace_id AS workspaceId, delete_after AS deleteAfter,
                terminated_at AS terminatedAt
           FROM subscriptions
          WHERE state = 'terminated' AND delete_after IS NOT NULL
          ORDER BY delete_after`,
      )
      .all() as { workspaceId: string; deleteAfter: number; terminatedAt: number | null }[];
  }
}
