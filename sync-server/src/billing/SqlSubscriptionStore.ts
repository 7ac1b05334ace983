import { ErrorCode } from '@desk/protocol';
import type { AsyncAuditStore, AuditActor } from '../audit/AuditStore.ts';
import { AppError } from '../http/AppError.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { plans, type PlanId } from './plans.ts';
import { SqlSubscriptionViews } from './SqlSubscriptionViews.ts';
import {
  canTransition,
  DAY_MS,
  effectiveState,
  TERMINATION_GRACE_DAYS,
  type SubscriptionState,
} from './SubscriptionState.ts';
import {
  inTrial,
  subscriptionFromRow,
  type AsyncSubscriptionStore,
  type Subscription,
  type SubscriptionAssignment,
  type SubscriptionRow,
  type SubscriptionView,
  type TransitionOptions,
} from './SubscriptionStore.ts';

/**
 * Subscriptions on the SQL seam: SqliteSubscriptionStore's state machine and audit entries,
 * with the statements written once. Each change is one transaction with its audit entry (the
 * caller's, if one is open), and reads the clock once: an assignment that extends a trial and
 * activates a plan is one moment in the history.
 */
export class SqlSubscriptionStore implements AsyncSubscriptionStore {
  readonly #views: SqlSubscriptionViews;

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly audit: AsyncAuditStore,
  ) {
    this.#views = new SqlSubscriptionViews(db, now);
  }

  startTrial(workspaceId: string): Promise<void> {
    return this.#views.startTrial(workspaceId);
  }

  async get(workspaceId: string): Promise<Subscription | null> {
    const row = await this.db.get<SubscriptionRow>(
      'SELECT * FROM subscriptions WHERE workspace_id = ?',
      [workspaceId],
    );
    return row ? subscriptionFromRow(row) : null;
  }

  async require(workspaceId: string): Promise<Subscription> {
    const sub = await this.get(workspaceId);
    if (!sub) throw AppError.notFound('This workspace has no subscription.');
    return sub;
  }

  view(workspaceId: string): Promise<SubscriptionView> {
    return this.#views.view(workspaceId);
  }

  transition(
    workspaceId: string,
    to: SubscriptionState,
    options: TransitionOptions,
  ): Promise<boolean> {
    return this.db.transaction(() => this.#transition(workspaceId, to, options, this.now()));
  }

  setPlan(workspaceId: string, planId: PlanId, actor: AuditActor): Promise<void> {
    return this.db.transaction(() => this.#setPlan(workspaceId, planId, actor, this.now()));
  }

  setSeatLimitOverride(workspaceId: string, limit: number | null, actor: AuditActor) {
    return this.db.transaction(() =>
      this.#setSeatLimitOverride(workspaceId, limit, actor, this.now()),
    );
  }

  setTrialEnd(workspaceId: string, trialEndsAt: number, actor: AuditActor): Promise<void> {
    return this.db.transaction(() =>
      this.#setTrialEnd(workspaceId, trialEndsAt, actor, this.now()),
    );
  }

  assign(workspaceId: string, change: SubscriptionAssignment, actor: AuditActor): Promise<void> {
    return this.db.transaction(async () => {
      const now = this.now();
      if (change.trialEndsAt !== undefined) {
        await this.#setTrialEnd(workspaceId, change.trialEndsAt, actor, now);
      }
      if (change.seatLimit !== undefined) {
        await this.#setSeatLimitOverride(workspaceId, change.seatLimit, actor, now);
      }
      if (change.planId !== undefined) {
        await this.#setPlan(workspaceId, change.planId, actor, now);
        const current = effectiveState(await this.require(workspaceId), now);
        if (plans[change.planId].paid && inTrial(current)) {
          const note = `subscribed to ${change.planId}`;
          await this.#transition(workspaceId, 'active', { actor, note }, now);
        }
      }
    });
  }

  async dueForDeletion(): Promise<string[]> {
    const rows = await this.db.all<{ workspace_id: string }>(
      `SELECT workspace_id FROM subscriptions
        WHERE state = 'terminated' AND delete_after IS NOT NULL AND delete_after <= ?
        ORDER BY delete_after, workspace_id`,
      [this.now()],
    );
    return rows.map((r) => r.workspace_id);
  }

  async expiredTrials(): Promise<string[]> {
    const rows = await this.db.all<{ workspace_id: string }>(
      `SELECT workspace_id FROM subscriptions
        WHERE state = 'trialing' AND trial_ends_at IS NOT NULL AND trial_ends_at <= ?
        ORDER BY workspace_id`,
      [this.now()],
    );
    return rows.map((r) => r.workspace_id);
  }

  async #transition(
    workspaceId: string,
    to: SubscriptionState,
    options: TransitionOptions,
    now: number,
  ): Promise<boolean> {
    // The row is locked first: two processes moving one subscription (a webhook and the
    // operator) take turns, and the second sees where the first left it.
    await this.db.get(
      `SELECT workspace_id FROM subscriptions WHERE workspace_id = ?${this.db.dialect.forUpdate}`,
      [workspaceId],
    );
    const sub = await this.require(workspaceId);
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
    await this.db.run(
      `UPDATE subscriptions
          SET state = ?, suspended_reason = ?, terminated_at = ?, delete_after = ?,
              state_changed_at = ?, updated_at = ?
        WHERE workspace_id = ?`,
      [to, reason, terminatedAt, deleteAfter, now, now, workspaceId],
    );
    await this.audit.record({
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

  async #setPlan(workspaceId: string, planId: PlanId, actor: AuditActor, now: number) {
    const sub = await this.require(workspaceId);
    if (sub.planId === planId) return;
    await this.db.run(
      'UPDATE subscriptions SET plan_id = ?, updated_at = ? WHERE workspace_id = ?',
      [planId, now, workspaceId],
    );
    await this.audit.record({
      actor,
      action: 'subscription.plan_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.planId, to: planId },
    });
  }

  async #setSeatLimitOverride(
    workspaceId: string,
    limit: number | null,
    actor: AuditActor,
    now: number,
  ): Promise<void> {
    const sub = await this.require(workspaceId);
    await this.db.run(
      'UPDATE subscriptions SET seat_limit_override = ?, updated_at = ? WHERE workspace_id = ?',
      [limit, now, workspaceId],
    );
    await this.audit.record({
      actor,
      action: 'subscription.seat_limit_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.seatLimitOverride, to: limit },
    });
  }

  async #setTrialEnd(workspaceId: string, trialEndsAt: number, actor: AuditActor, now: number) {
    const sub = await this.require(workspaceId);
    if (!inTrial(sub)) {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        'Only a workspace in trial (or whose trial ran out) has a trial end to change.',
      );
    }
    await this.db.run(
      'UPDATE subscriptions SET trial_ends_at = ?, updated_at = ? WHERE workspace_id = ?',
      [trialEndsAt, now, workspaceId],
    );
    await this.audit.record({
      actor,
      action: 'subscription.trial_end_changed',
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: { from: sub.trialEndsAt, to: trialEndsAt },
    });
    if (sub.state === 'suspended' && trialEndsAt > now) {
      await this.#transition(workspaceId, 'trialing', { actor, note: 'trial extended' }, now);
    }
  }
}
