import { planById } from '../billing/plans.ts';
import {
  effectiveState,
  readOnlyReasonFor,
  type SubscriptionState,
  type SuspendedReason,
} from '../billing/SubscriptionState.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { Role } from './roles.ts';
import type {
  AsyncWorkspaceAccessStore,
  ReadOnlyReason,
  WorkspaceAccess,
  WorkspaceLimits,
} from './WorkspaceAccessStore.ts';

interface StateColumns {
  state: SubscriptionState;
  suspended_reason: SuspendedReason | null;
  trial_ends_at: number | null;
}

/**
 * What a user may do in a workspace now, on the SQL seam: SqliteWorkspaceAccessStore's
 * queries and rules (a member's role, else an operator's active support grant; the
 * subscription's effective state wins over the role), written once for both engines.
 */
export class SqlWorkspaceAccessStore implements AsyncWorkspaceAccessStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async of(userId: string, workspaceId: string): Promise<WorkspaceAccess | null> {
    const row = await this.db.get<StateColumns & { role: Role }>(
      `SELECT m.role, s.state, s.suspended_reason, s.trial_ends_at
         FROM memberships m
         JOIN subscriptions s ON s.workspace_id = m.workspace_id
        WHERE m.workspace_id = ? AND m.user_id = ?`,
      [workspaceId, userId],
    );
    if (!row) return this.#supportAccess(userId, workspaceId);
    const effective = this.#effective(row);
    const reason: ReadOnlyReason | null =
      readOnlyReasonFor(effective.state, effective.suspendedReason) ??
      (row.role === 'viewer' ? 'viewer' : null);
    return {
      role: row.role,
      canWrite: reason === null,
      readOnlyReason: reason,
      state: effective.state,
      support: null,
    };
  }

  async limits(workspaceId: string): Promise<WorkspaceLimits | null> {
    const row = await this.db.get<{ plan_id: string; seat_limit_override: number | null }>(
      'SELECT plan_id, seat_limit_override FROM subscriptions WHERE workspace_id = ?',
      [workspaceId],
    );
    if (!row) return null;
    const plan = planById(row.plan_id);
    return {
      seatLimit: row.seat_limit_override ?? plan.seatLimit,
      storageQuotaBytes: plan.storageQuotaBytes,
      documentSizeLimitBytes: plan.documentSizeLimitBytes,
      ticketLimit: plan.ticketLimit,
      updateRate: plan.updateRate,
      messagesPerMinute: plan.messagesPerMinute,
      snapshotRetentionDays: plan.snapshotRetentionDays,
    };
  }

  async #supportAccess(userId: string, workspaceId: string): Promise<WorkspaceAccess | null> {
    // A write grant first: CASE rather than ordering by a boolean, which the engines sort alike
    // only by accident.
    const row = await this.db.get<
      StateColumns & { id: string; access: 'read' | 'write'; expires_at: number }
    >(
      `SELECT g.id, g.access, g.expires_at, s.state, s.suspended_reason, s.trial_ends_at
         FROM support_grants g
         JOIN users u ON u.id = ? AND u.platform_role = 'operator' AND u.status = 'active'
         JOIN subscriptions s ON s.workspace_id = g.workspace_id
        WHERE g.workspace_id = ? AND g.revoked_at IS NULL AND g.expires_at > ?
        ORDER BY CASE g.access WHEN 'write' THEN 0 ELSE 1 END, g.expires_at DESC LIMIT 1`,
      [userId, workspaceId, this.now()],
    );
    if (!row) return null;
    const effective = this.#effective(row);
    const reason: ReadOnlyReason | null =
      readOnlyReasonFor(effective.state, effective.suspendedReason) ??
      (row.access === 'read' ? 'viewer' : null);
    return {
      role: row.access === 'write' ? 'agent' : 'viewer',
      canWrite: reason === null,
      readOnlyReason: reason,
      state: effective.state,
      support: { grantId: row.id, access: row.access, expiresAt: row.expires_at },
    };
  }

  #effective(row: StateColumns) {
    return effectiveState(
      { state: row.state, suspendedReason: row.suspended_reason, trialEndsAt: row.trial_ends_at },
      this.now(),
    );
  }
}
