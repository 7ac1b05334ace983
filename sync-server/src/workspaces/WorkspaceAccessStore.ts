import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import { planById, type UpdateRate } from '../billing/plans.ts';
import {
  effectiveState,
  readOnlyReasonFor,
  type SubscriptionState,
  type SuspendedReason,
  type WorkspaceReadOnlyReason,
} from '../billing/SubscriptionState.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { Role } from './roles.ts';

/** Why a member may read but not write; the UI shows it, sync sends it with a refused write. */
export type ReadOnlyReason = WorkspaceReadOnlyReason | 'viewer';

export interface WorkspaceAccess {
  role: Role;
  canWrite: boolean;
  /** Null exactly when `canWrite`. The workspace's state wins over the viewer role. */
  readOnlyReason: ReadOnlyReason | null;
  state: SubscriptionState;
  /**
   * Set when the user is not a member but an operator under an active support grant (terms
   * §3): role is then `viewer` (read grant) or `agent` (write grant). Callers that open
   * content to sessions only (sync, REST) check it; every use is audited (support/).
   */
  support: SupportAccess | null;
}

/** The support grant an operator acts under. */
export interface SupportAccess {
  grantId: string;
  access: 'read' | 'write';
  expiresAt: number;
}

/** Limits of the workspace's plan that other modules enforce (storage, document size, retention). */
export interface WorkspaceLimits {
  seatLimit: number;
  storageQuotaBytes: number;
  documentSizeLimitBytes: number;
  ticketLimit: number;
  /** Updates per sync connection and per workspace (SPEC LIMIT-9). */
  updateRate: UpdateRate;
  /** New chat messages per member per minute (SPEC LIMIT-10). */
  messagesPerMinute: number;
  snapshotRetentionDays: number;
}

/**
 * What a user may do in a workspace now, and the limits of its plan: read by every route
 * that writes to a workspace, by the sync engine's auth boundary for every document
 * subscription, by blobs and snapshots.
 */
export interface WorkspaceAccessStore {
  /**
   * Null when `userId` is not a member, except for an operator while the workspace's owner
   * or an admin has granted support access (terms §3: the platform role alone grants no
   * access to workspace content; an expired or revoked grant none either).
   */
  of(userId: string, workspaceId: string): WorkspaceAccess | null;
  /** Null when the workspace has no subscription row. */
  limits(workspaceId: string): WorkspaceLimits | null;
}

/** `WorkspaceAccessStore` with promises: the SQLite store wrapped, or `SqlWorkspaceAccessStore`. */
export type AsyncWorkspaceAccessStore = AsyncStore<WorkspaceAccessStore>;

export class SqliteWorkspaceAccessStore implements WorkspaceAccessStore {
  /** The sync engine asks for every document subscription: one indexed query, prepared once. */
  readonly #access: Statement<[string, string]>;
  /** Asked only when the user is not a member (operators mostly; one indexed lookup). */
  readonly #support: Statement<[string, string, number]>;
  /** Asked for every writable document subscription too: prepared on first use, once. */
  #limits: Statement<[string]> | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.#access = db.prepare<[string, string]>(
      `SELECT m.role, s.state, s.suspended_reason, s.trial_ends_at
         FROM memberships m
         JOIN subscriptions s ON s.workspace_id = m.workspace_id
        WHERE m.workspace_id = ? AND m.user_id = ?`,
    );
    // A write grant wins over a read grant when both are active.
    this.#support = db.prepare<[string, string, number]>(
      `SELECT g.id, g.access, g.expires_at, s.state, s.suspended_reason, s.trial_ends_at
         FROM support_grants g
         JOIN users u ON u.id = ? AND u.platform_role = 'operator' AND u.status = 'active'
         JOIN subscriptions s ON s.workspace_id = g.workspace_id
        WHERE g.workspace_id = ? AND g.revoked_at IS NULL AND g.expires_at > ?
        ORDER BY g.access = 'write' DESC, g.expires_at DESC LIMIT 1`,
    );
  }

  of(userId: string, workspaceId: string): WorkspaceAccess | null {
    const row = this.#access.get(workspaceId, userId) as
      | {
          role: Role;
          state: SubscriptionState;
          suspended_reason: SuspendedReason | null;
          trial_ends_at: number | null;
        }
      | undefined;
    if (!row) return this.#supportAccess(userId, workspaceId);
    const effective = effectiveState(
      { state: row.state, suspendedReason: row.suspended_reason, trialEndsAt: row.trial_ends_at },
      this.now(),
    );
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

  #supportAccess(userId: string, workspaceId: string): WorkspaceAccess | null {
    const row = this.#support.get(userId, workspaceId, this.now()) as
      | {
          id: string;
          access: 'read' | 'write';
          expires_at: number;
          state: SubscriptionState;
          suspended_reason: SuspendedReason | null;
          trial_ends_at: number | null;
        }
      | undefined;
    if (!row) return null;
    const effective = effectiveState(
      { state: row.state, suspendedReason: row.suspended_reason, trialEndsAt: row.trial_ends_at },
      this.now(),
    );
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

  limits(workspaceId: string): WorkspaceLimits | null {
    this.#limits ??= this.db.prepare<[string]>(
      'SELECT plan_id, seat_limit_override FROM subscriptions WHERE workspace_id = ?',
    );
    const row = this.#limits.get(workspaceId) as
      { plan_id: string; seat_limit_override: number | null } | undefined;
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
}
