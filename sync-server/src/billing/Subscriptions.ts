import type { SqliteDatabase } from '../db/Database.ts';
import { AuditLog, type AuditActor } from '../audit/AuditLog.ts';
import { AppError } from '../http/AppError.ts';
import { ErrorCode } from '@desk/protocol';
import { planById, plans, trialPlan, type Plan, type PlanId } from './plans.ts';
import {
  canTransition,
  DAY_MS,
  effectiveState,
  readOnlyReasonFor,
  TERMINATION_GRACE_DAYS,
  type SubscriptionState,
  type SuspendedReason,
  type WorkspaceReadOnlyReason,
} from './SubscriptionState.ts';

export interface SubscriptionAssignment {
  planId?: PlanId;
  /** A custom seat limit that wins over the plan's; null returns to the plan's. */
  seatLimit?: number | null;
  trialEndsAt?: number;
}

export interface Subscription {
  workspaceId: string;
  planId: string;
  /** The stored state; see `effective` for what applies now. */
  state: SubscriptionState;
  suspendedReason: SuspendedReason | null;
  seatLimitOverride: number | null;
  trialEndsAt: number | null;
  terminatedAt: number | null;
  deleteAfter: number | null;
  stateChangedAt: number;
}

export interface SubscriptionView {
  plan: Plan;
  state: SubscriptionState;
  suspendedReason: SuspendedReason | null;
  readOnlyReason: WorkspaceReadOnlyReason | null;
  seatLimit: number;
  trialEndsAt: number | null;
  deleteAfter: number | null;
}

interface Row {
  workspace_id: string;
  plan_id: string;
  state: SubscriptionState;
  suspended_reason: SuspendedReason | null;
  seat_limit_override: number | null;
  trial_ends_at: number | null;
  terminated_at: number | null;
  delete_after: number | null;
  state_changed_at: number;
}

function fromRow(r: Row): Subscription {
  return {
    workspaceId: r.workspace_id,
    planId: r.plan_id,
    state: r.state,
    suspendedReason: r.suspended_reason,
    seatLimitOverride: r.seat_limit_override,
    trialEndsAt: r.trial_ends_at,
    terminatedAt: r.terminated_at,
    deleteAfter: r.delete_after,
    stateChangedAt: r.state_changed_at,
  };
}

/**
 * Subscription rows: one per workspace. These functions run inside the caller's
 * transaction and never emit events; `SubscriptionChanges` wraps them for routes, the
 * webhook and the operator console (transaction, audit, access event after commit).
 */
export const Subscriptions = {
  startTrial(db: SqliteDatabase, workspaceId: string, now: number): void {
    db.prepare(
      `INSERT INTO subscriptions
         (workspace_id, plan_id, state, trial_ends_at, state_changed_at, created_at, updated_at)
       VALUES (?, ?, 'trialing', ?, ?, ?, ?)`,
    ).run(workspaceId, trialPlan.id, now + (trialPlan.trialDays ?? 14) * DAY_MS, now, now, now);
  },

  get(db: SqliteDatabase, workspaceId: string): Subscription | null {
    const row = db
      .prepare('SELECT * FROM subscriptions WHERE workspace_id = ?')
      .get(workspaceId) as Row | undefined;
    return row ? fromRow(row) : null;
  },

  require(db: SqliteDatabase, workspaceId: string): Subscription {
    const sub = Subscriptions.get(db, workspaceId);
    if (!sub) throw AppError.notFound('This workspace has no subscription.');
    return sub;
  },

  /** The plan, limits and state as they apply at `now`. */
  view(sub: Subscription, now: number): SubscriptionView {
    const plan = planById(sub.planId);
    const { state, suspendedReason } = effectiveState(sub, now);
    return {
      plan,
      state,
      suspendedReason,
      readOnlyReason: readOnlyReasonFor(state, suspendedReason),
      seatLimit: sub.seatLimitOverride ?? plan.seatLimit,
      trialEndsAt: sub.trialEndsAt,
      deleteAfter: sub.deleteAfter,
    };
  },

  /**
   * Moves to `to`, checking the state machine against the effective state (an expired
   * trial counts as suspended). Returns false when already there (webhooks are retried).
   */
  transition(
    db: SqliteDatabase,
    workspaceId: string,
    to: SubscriptionState,
    options: { suspendedReason?: SuspendedReason; actor: AuditActor; note?: string },
    now: number,
  ): boolean {
    const sub = Subscriptions.require(db, workspaceId);
    const from = effectiveState(sub, now);
    const reason = to === 'suspended' ? (options.suspendedReason ?? 'operator') : null;
    // Already there (a retried webhook, a double click): nothing to record.
    if (sub.state === to && from.state === to && from.suspendedReason === reason) return false;
    if (from.state !== to && !canTransition(from.state, to)) {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        `A ${from.state.replace('_', ' ')} subscription cannot become ${to.replace('_', ' ')}.`,
      );
    }
    const terminatedAt = to === 'terminated' ? now : null;
    const deleteAfter = to === 'terminated' ? now + TERMINATION_GRACE_DAYS * DAY_MS : null;
    db.prepare(
      `UPDATE subscriptions
          SET state = ?, suspended_reason = ?, terminated_at = ?, delete_after = ?,
              state_changed_at = ?, updated_at = ?
        WHERE workspace_id = ?`,
    ).run(to, reason, terminatedAt, deleteAfter, now, now, workspaceId);
    AuditLog.record(
      db,
      {
        actor: options.actor,
        action: 'subscription.state_changed',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: {
          from: from.state,
          to,
          ...(reason ? { suspendedReason: reason } : {}),
          ...(deleteAfter ? { deleteAfter } : {}),
          ...(options.note ? { note: options.note } : {}),
        },
      },
      now,
    );
    return true;
  },

  setPlan(
    db: SqliteDatabase,
    workspaceId: string,
    planId: PlanId,
    actor: AuditActor,
    now: number,
  ): void {
    const sub = Subscriptions.require(db, workspaceId);
    if (sub.planId === planId) return;
    db.prepare('UPDATE subscriptions SET plan_id = ?, updated_at = ? WHERE workspace_id = ?').run(
      planId,
      now,
      workspaceId,
    );
    AuditLog.record(
      db,
      {
        actor,
        action: 'subscription.plan_changed',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: { from: sub.planId, to: planId },
      },
      now,
    );
  },

  setSeatLimitOverride(
    db: SqliteDatabase,
    workspaceId: string,
    limit: number | null,
    actor: AuditActor,
    now: number,
  ): void {
    const sub = Subscriptions.require(db, workspaceId);
    db.prepare(
      'UPDATE subscriptions SET seat_limit_override = ?, updated_at = ? WHERE workspace_id = ?',
    ).run(limit, now, workspaceId);
    AuditLog.record(
      db,
      {
        actor,
        action: 'subscription.seat_limit_changed',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: { from: sub.seatLimitOverride, to: limit },
      },
      now,
    );
  },

  /**
   * Moves the trial end. Extending an expired trial (recorded as suspended for trial
   * expiry) puts the workspace back in trial; shortening it into the past expires it.
   */
  setTrialEnd(
    db: SqliteDatabase,
    workspaceId: string,
    trialEndsAt: number,
    actor: AuditActor,
    now: number,
  ): void {
    const sub = Subscriptions.require(db, workspaceId);
    const inTrial =
      sub.state === 'trialing' ||
      (sub.state === 'suspended' && sub.suspendedReason === 'trial_expired');
    if (!inTrial) {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        'Only a workspace in trial (or whose trial ran out) has a trial end to change.',
      );
    }
    db.prepare(
      'UPDATE subscriptions SET trial_ends_at = ?, updated_at = ? WHERE workspace_id = ?',
    ).run(trialEndsAt, now, workspaceId);
    AuditLog.record(
      db,
      {
        actor,
        action: 'subscription.trial_end_changed',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: { from: sub.trialEndsAt, to: trialEndsAt },
      },
      now,
    );
    if (sub.state === 'suspended' && trialEndsAt > now) {
      Subscriptions.transition(db, workspaceId, 'trialing', { actor, note: 'trial extended' }, now);
    }
  },

  /**
   * Plan, custom seat limit and trial end. Assigning a paid plan to a workspace in trial
   * (or whose trial ran out) activates it: the customer has subscribed.
   */
  assign(
    db: SqliteDatabase,
    workspaceId: string,
    change: SubscriptionAssignment,
    actor: AuditActor,
    now: number,
  ): void {
    if (change.trialEndsAt !== undefined) {
      Subscriptions.setTrialEnd(db, workspaceId, change.trialEndsAt, actor, now);
    }
    if (change.seatLimit !== undefined) {
      Subscriptions.setSeatLimitOverride(db, workspaceId, change.seatLimit, actor, now);
    }
    if (change.planId !== undefined) {
      Subscriptions.setPlan(db, workspaceId, change.planId, actor, now);
      const current = effectiveState(Subscriptions.require(db, workspaceId), now);
      const inTrial =
        current.state === 'trialing' ||
        (current.state === 'suspended' && current.suspendedReason === 'trial_expired');
      if (plans[change.planId].paid && inTrial) {
        const note = `subscribed to ${change.planId}`;
        Subscriptions.transition(db, workspaceId, 'active', { actor, note }, now);
      }
    }
  },

  /**
   * Terminated workspaces whose grace period is over: their data may now be deleted (the
   * deletion itself belongs to the privacy module, which calls this).
   */
  dueForDeletion(db: SqliteDatabase, now: number): string[] {
    const rows = db
      .prepare(
        `SELECT workspace_id FROM subscriptions
          WHERE state = 'terminated' AND delete_after IS NOT NULL AND delete_after <= ?
          ORDER BY delete_after`,
      )
      .all(now) as { workspace_id: string }[];
    return rows.map((r) => r.workspace_id);
  },

  /** Trials whose end has passed but are still recorded as trialing (for the sweeper). */
  expiredTrials(db: SqliteDatabase, now: number): string[] {
    const rows = db
      .prepare(
        `SELECT workspace_id FROM subscriptions
          WHERE state = 'trialing' AND trial_ends_at IS NOT NULL AND trial_ends_at <= ?`,
      )
      .all(now) as { workspace_id: string }[];
    return rows.map((r) => r.workspace_id);
  },
};
