import type { AuditActor } from '../audit/AuditLog.ts';
import type { ServerContext } from '../ServerContext.ts';
import { Subscriptions, type SubscriptionAssignment } from './Subscriptions.ts';
import type { SubscriptionState, SuspendedReason } from './SubscriptionState.ts';

/**
 * Every change to a subscription made by the webhook, the operator console or the trial
 * sweeper goes through here: one immediate transaction (state + audit entry), then
 * `workspaceStateChanged` once committed, so live connections re-check their access and a
 * rolled-back change never reaches them.
 */
export class SubscriptionChanges {
  constructor(private readonly ctx: Pick<ServerContext, 'db' | 'access' | 'now'>) {}

  /** Returns false when the subscription was already in that state. */
  transition(
    workspaceId: string,
    to: SubscriptionState,
    options: { suspendedReason?: SuspendedReason; actor: AuditActor; note?: string },
  ): boolean {
    const { db } = this.ctx;
    const now = this.ctx.now();
    const changed = db
      .transaction(() => Subscriptions.transition(db, workspaceId, to, options, now))
      .immediate();
    if (changed) this.ctx.access.emit('workspaceStateChanged', { workspaceId });
    return changed;
  }

  /**
   * Plan, custom seat limit and trial end, in one transaction. Assigning a paid plan to a
   * workspace in trial (or whose trial ran out) activates it: the customer has subscribed.
   */
  assign(workspaceId: string, change: SubscriptionAssignment, actor: AuditActor): void {
    const { db } = this.ctx;
    const now = this.ctx.now();
    db.transaction(() => Subscriptions.assign(db, workspaceId, change, actor, now)).immediate();
    this.ctx.access.emit('workspaceStateChanged', { workspaceId });
  }
}
