import { AppError } from '../http/AppError.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { trialPlan } from './plans.ts';
import { DAY_MS } from './SubscriptionState.ts';
import {
  subscriptionFromRow,
  subscriptionView,
  type SubscriptionRow,
  type SubscriptionView,
} from './SubscriptionStore.ts';

/**
 * What the workspace stores on the SQL seam need of subscriptions, with promises: a new
 * workspace's trial, and the plan, limits and state the seat limit and the read-only checks
 * read. The rest of SubscriptionStore (transitions with their audit entries) is not on the
 * seam yet.
 */
export interface AsyncSubscriptionViews {
  /** The new workspace's trial of the trial plan (in the transaction that creates it). */
  startTrial(workspaceId: string): Promise<void>;
  /** The plan, limits and state as they apply now; throws not_found without a subscription. */
  view(workspaceId: string): Promise<SubscriptionView>;
}

export class SqlSubscriptionViews implements AsyncSubscriptionViews {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async startTrial(workspaceId: string): Promise<void> {
    const now = this.now();
    await this.db.run(
      `INSERT INTO subscriptions
         (workspace_id, plan_id, state, trial_ends_at, state_changed_at, created_at, updated_at)
       VALUES (?, ?, 'trialing', ?, ?, ?, ?)`,
      [workspaceId, trialPlan.id, now + (trialPlan.trialDays ?? 14) * DAY_MS, now, now, now],
    );
  }

  async view(workspaceId: string): Promise<SubscriptionView> {
    const row = await this.db.get<SubscriptionRow>(
      'SELECT * FROM subscriptions WHERE workspace_id = ?',
      [workspaceId],
    );
    if (!row) throw AppError.notFound('This workspace has no subscription.');
    return subscriptionView(subscriptionFromRow(row), this.now());
  }
}
