import { ErrorCode } from '@desk/protocol';
import type { AuditActor, AuditStore } from '../audit/AuditStore.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
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
  /** The stored state; see `subscriptionView` for what applies now. */
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

export interface TransitionOptions {
  suspendedReason?: SuspendedReason;
  actor: AuditActor;
  note?: string;
}

/** The plan, limits and state of `sub` as they apply at `now`. */
export function subscriptionView(sub: Subscription, now: number): SubscriptionView {
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
}

/**
 * Subscriptions (table `subscriptions`): one per workspace. Every change records its audit
 * entry; the methods run inside the caller's transaction and never emit events —
 * `SubscriptionChanges` wraps them for routes, the webhook and the operator console
 * (transaction, access event after commit).
 */
export interface SubscriptionStore {
  /** The new workspace's trial of the trial plan (call in the transaction that creates it). */
  startTrial(workspaceId: string): void;
  get(workspaceId: string): Subscription | null;
  /** As `get`; throws not_found when the workspace has no subscription. */
  require(workspaceId: string): Subscription;
  /** The plan, limits and state as they apply now (throws not_found as `require`). */
  view(workspaceId: string): SubscriptionView;
  /**
   * Moves to `to`, checking the state machine against the effective state (an expired
   * trial counts as suspended). Returns false when already there (webhooks are retried).
   */
  transition(workspaceId: string, to: SubscriptionState, options: TransitionOptions): boolean;
  setPlan(workspaceId: string, planId: PlanId, actor: AuditActor): void;
  setSeatLimitOverride(workspaceId: string, limit: number | null, actor: AuditActor): void;
  /**
   * Moves the trial end. Extending an expired trial (recorded as suspended for trial
   * expiry) puts the workspace back in trial; shortening it into the past expires it.
   */
  setTrialEnd(workspaceId: string, trialEndsAt: number, actor: AuditActor): void;
  /**
   * Plan, custom seat limit and trial end. Assigning a paid plan to a workspace in trial
   * (or whose trial ran out) activates it: the customer has subscribed.
   */
  assign(workspaceId: string, change: SubscriptionAssignment, actor: AuditActor): void;
  /**
   * Terminated workspaces whose grace period is over: their data may now be deleted (the
   * deletion itself belongs to the privacy module, which calls this).
   */
  dueForDeletion(): string[];
  /** Trials whose end has passed but are still recorded as trialing (for the sweeper). */
  expiredTrials(): string[];
}

/** `SubscriptionStore` with promises: the SQLite store wrapped, or `SqlSubscriptionStore`. */
export type AsyncSubscriptionStore = AsyncStore<SubscriptionStore>;

/** A `subscriptions` row, as both engines return it. */
export interface SubscriptionRow {
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

export function subscriptionFromRow(r: SubscriptionRow): Subscription {
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

/** In trial, or its trial ran out (shared with SqlSubscriptionStore). */
export const inTrial = (s: { state: SubscriptionState; suspendedReason: SuspendedReason | null }) =>
  s.state === 'trialing' || (s.state === 'suspended' && s.suspendedReason === 'trial_expired');

/**
 * The SQLite store. A change reads the clock once and uses that instant throughout (an
 * assignment that extends a trial and activates a plan is one moment in the history).
 */
export class SqliteSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly audit: AuditStore,
  ) {}

  startTrial(workspaceId: string): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO subscriptions
           (workspace_id, plan_id, state, trial_ends_at, state_changed_at, created_at, updated_at)
         VALUES (?, ?, 'trialing', ?, ?, ?, ?)`,
      )
      .run(workspaceId, trialPlan.id, now + (trialPlan.trialDays ?? 14) * DAY_MS, now, now, now);
  }

  get(workspaceId: string): Subscription | null {
    const row = this.db
      .prepare('SELECT * FROM subscriptions WHERE workspace_id = ?')
      .get(workspaceId) as SubscriptionRow | undefined;
    return row ? subscriptionFromRow(row) : null;
  }

  require(workspaceId: string): Subscription {
    const sub = this.get(workspaceId);
    if (!sub) throw AppError.notFound('This workspace has no subscription.');
    return sub;
  }

  view(workspaceId: string): SubscriptionView {
    return subscriptionView(this.require(workspaceId), this.now());
  }

  transition(workspaceId: string, to: SubscriptionState, options: TransitionOptions): boolean {
    return this.#transition(workspaceId, to, options, this.now());
  }

  setPlan(workspaceId: string, planId: PlanId, actor: AuditActor): void {
    this.#setPlan(workspaceId, planId, actor, this.now());
  }

  setSeatLimitOverride(workspaceId: string, limit: number | null, actor: AuditActor): void {
    this.#setSeatLimitOverride(workspaceId, limit, actor, this.now());
  }

  setTrialEnd(workspaceId: string, trialEndsAt: number, actor: AuditActor): void {
    this.#setTrialEnd(workspaceId, trialEndsAt, actor, this.now());
  }

  assign(workspaceId: string, change: SubscriptionAssignment, actor: AuditActor): void {
    const now = this.now();
    if (change.trialEndsAt !== undefined) {
      this.#setTrialEnd(workspaceId, change.trialEndsAt, actor, now);
    }
    if (change.seatLimit !== undefined) {
      this.#setSeatLimitOverride(workspaceId, change.seatLimit, actor, now);
    }
    if (change.planId !== undefined) {
      this.#setPlan(workspaceId, change.planId, actor, now);
      const current = effectiveState(this.require(workspaceId), now);
      if (plans[change.planId].paid && inTrial(current)) {
        const note = `subscribed to ${change.planId}`;
        this.#transition(workspaceId, 'active', { actor, note }, now);
      }
    }
  }

  dueForDeletion(): string[] {
    const rows = this.db
      .prepare(
        `SELECT workspace_id FROM subscriptions
          WHERE state = 'terminated' AND delete_after IS NOT NULL AND delete_after <= ?
          ORDER BY delete_after`,
      )
      .all(this.now()) as { workspace_id: string }[];
    return rows.map((r) => r.workspace_id);
  }

  expiredTrials(): string[] {
    const rows = this.db
      .prepare(
        `SELECT workspace_id FROM subscriptions
          WHERE state = 'trialing' AND trial_ends_at IS NOT NULL AND trial_ends_at <= ?`,
      )
      .all(this.now()) as { workspace_id: string }[];
    return rows.map((r) => r.workspace_id);
  }

  #transition(
    workspaceId: string,
    to: SubscriptionState,
    options: TransitionOptions,
    now: number,
  ): boolean {
    const sub = this.require(workspaceId);
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
    this.db
      .prepare(
        `UPDATE subscriptions
            SET state = ?, suspended_reason = ?, terminated_at = ?, delete_after = ?,
                state_changed_at = ?, updated_at = ?
          WHERE workspace_id = ?`,
      )
      .run(to, reason, terminatedAt, deleteAfter, now, now, workspaceId);
    this.audit.record({
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
    });
    return true;
  }

  #setPlan(workspaceId: string, planId: PlanId, actor: AuditActor, now: number): void {
    const sub = this.require(workspaceId);
    if (sub.planId === planId) return;
    this.db
      .prepare('UPDATE subscriptions SET plan_id = ?, updated_at = ? WHERE workspace_id = ?')
      .run(planId, now, workspaceId);
    this.audit.record({
      actor,
      action: 'subscription.plan_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.planId, to: planId },
    });
  }

  #setSeatLimitOverride(
    workspaceId: string,
    limit: number | null,
    actor: AuditActor,
    now: number,
  ): void {
    const sub = this.require(workspaceId);
    this.db
      .prepare(
        'UPDATE subscriptions SET seat_limit_override = ?, updated_at = ? WHERE workspace_id = ?',
      )
      .run(limit, now, workspaceId);
    this.audit.record({
      actor,
      action: 'subscription.seat_limit_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.seatLimitOverride, to: limit },
    });
  }

  #setTrialEnd(workspaceId: string, trialEndsAt: number, actor: AuditActor, now: number): void {
    const sub = this.require(workspaceId);
    if (!inTrial(sub)) {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        'Only a workspace in trial (or whose trial ran out) has a trial end to change.',
      );
    }
    this.db
      .prepare('UPDATE subscriptions SET trial_ends_at = ?, updated_at = ? WHERE workspace_id = ?')
      .run(trialEndsAt, now, workspaceId);
    this.audit.record({
      actor,
      action: 'subscription.trial_end_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.trialEndsAt, to: trialEndsAt },
    });
    if (sub.state === 'suspended' && trialEndsAt > now) {
      this.#transition(workspaceId, 'trialing', { actor, note: 'trial extended' }, now);
    }
  }
}
