import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import { planById } from '../billing/plans.ts';
import {
  effectiveState,
  readOnlyReasonFor,
  type SubscriptionState,
  type SuspendedReason,
  type WorkspaceReadOnlyReason,
} from '../billing/SubscriptionState.ts';
import type { Role } from './roles.ts';

/** Why a member may read but not write; the UI shows it, sync sends it with a refused write. */
export type ReadOnlyReason = WorkspaceReadOnlyReason | 'viewer';

export interface WorkspaceAccess {
  role: Role;
  canWrite: boolean;
  /** Null exactly when `canWrite`. The workspace's state wins over the viewer role. */
  readOnlyReason: ReadOnlyReason | null;
  state: SubscriptionState;
}

const statements = new WeakMap<SqliteDatabase, Statement<[string, string]>>();

/**
 * What `userId` may do in `workspaceId` at `now`: null when not a member (operators
 * included — the platform role grants no access to workspace content, terms §3). The sync
 * engine calls this for every document subscription and after each access event, so it is
 * one indexed query with a cached statement.
 */
export function workspaceAccess(
  db: SqliteDatabase,
  userId: string,
  workspaceId: string,
  now: number,
): WorkspaceAccess | null {
  let statement = statements.get(db);
  if (!statement) {
    statement = db.prepare<[string, string]>(
      `SELECT m.role, s.state, s.suspended_reason, s.trial_ends_at
         FROM memberships m
         JOIN subscriptions s ON s.workspace_id = m.workspace_id
        WHERE m.workspace_id = ? AND m.user_id = ?`,
    );
    statements.set(db, statement);
  }
  const row = statement.get(workspaceId, userId) as
    | {
        role: Role;
        state: SubscriptionState;
        suspended_reason: SuspendedReason | null;
        trial_ends_at: number | null;
      }
    | undefined;
  if (!row) return null;
  const effective = effectiveState(
    { state: row.state, suspendedReason: row.suspended_reason, trialEndsAt: row.trial_ends_at },
    now,
  );
  const reason: ReadOnlyReason | null =
    readOnlyReasonFor(effective.state, effective.suspendedReason) ??
    (row.role === 'viewer' ? 'viewer' : null);
  return {
    role: row.role,
    canWrite: reason === null,
    readOnlyReason: reason,
    state: effective.state,
  };
}

/** Limits of the workspace's plan that other modules enforce (storage, document size, retention). */
export function workspaceLimits(
  db: SqliteDatabase,
  workspaceId: string,
): {
  seatLimit: number;
  storageQuotaBytes: number;
  documentSizeLimitBytes: number;
  snapshotRetentionDays: number;
} | null {
  const row = db
    .prepare('SELECT plan_id, seat_limit_override FROM subscriptions WHERE workspace_id = ?')
    .get(workspaceId) as { plan_id: string; seat_limit_override: number | null } | undefined;
  if (!row) return null;
  const plan = planById(row.plan_id);
  return {
    seatLimit: row.seat_limit_override ?? plan.seatLimit,
    storageQuotaBytes: plan.storageQuotaBytes,
    documentSizeLimitBytes: plan.documentSizeLimitBytes,
    snapshotRetentionDays: plan.snapshotRetentionDays,
  };
}
