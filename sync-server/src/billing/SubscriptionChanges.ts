import { ErrorCode } from '@desk/protocol';
import type { BillingEvent } from '@desk/protocol/rest';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AuditActor } from '../audit/AuditStore.ts';
import type { Transactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { BillingEventStore } from './BillingEventStore.ts';
import type {
  SubscriptionAssignment,
  SubscriptionStore,
  TransitionOptions,
} from './SubscriptionStore.ts';
import type { SubscriptionState } from './SubscriptionState.ts';

/** What subscription changes use (built once in createServices). */
export interface SubscriptionChangesDeps {
  readonly transactions: Transactions;
  readonly subscriptions: SubscriptionStore;
  readonly billingEvents: BillingEventStore;
  readonly access: AccessEvents;
  readonly now: () => number;
}

/** The state a billing event moves the subscription to; null: the plan only. */
const targetState: Record<BillingEvent['type'], SubscriptionState | null> = {
  'subscription.activated': 'active',
  'subscription.plan_changed': null,
  'subscription.past_due': 'past_due',
  'subscription.suspended': 'suspended',
  'subscription.reactivated': 'active',
  'subscription.terminated': 'terminated',
};

/**
 * Every change to a subscription made by the webhook, the operator console or the trial
 * sweeper goes through here: one immediate transaction (state + audit entry), then
 * `workspaceStateChanged` once committed, so live connections re-check their access and a
 * rolled-back change never reaches them.
 */
export class SubscriptionChanges {
  readonly #deps: SubscriptionChangesDeps;

  constructor(deps: SubscriptionChangesDeps) {
    this.#deps = deps;
  }

  /** Returns false when the subscription was already in that state. */
  transition(workspaceId: string, to: SubscriptionState, options: TransitionOptions): boolean {
    const { transactions, subscriptions, access } = this.#deps;
    const changed = transactions.write(() => subscriptions.transition(workspaceId, to, options));
    if (changed) access.emit('workspaceStateChanged', { workspaceId });
    return changed;
  }

  /**
   * Plan, custom seat limit and trial end, in one transaction. Assigning a paid plan to a
   * workspace in trial (or whose trial ran out) activates it: the customer has subscribed.
   */
  assign(workspaceId: string, change: SubscriptionAssignment, actor: AuditActor): void {
    const { transactions, subscriptions, access } = this.#deps;
    transactions.write(() => subscriptions.assign(workspaceId, change, actor));
    access.emit('workspaceStateChanged', { workspaceId });
  }

  /**
   * A verified event of the payment provider. One immediate transaction: the replay check,
   * the effect and the stored event id commit together, so an event is applied exactly once
   * even across processes (a replay is refused with 409 webhook_replayed); a failed event
   * leaves no id behind and the provider's retry is accepted.
   */
  applyBillingEvent(event: BillingEvent): void {
    const { transactions, subscriptions, billingEvents, access, now } = this.#deps;
    const { workspaceId } = event.data;
    const actor = { kind: 'billing' as const, userId: null };
    transactions.write(() => {
      if (billingEvents.wasReceived(event.id)) {
        throw new AppError(
          ErrorCode.webhookReplayed,
          409,
          'This event was already received; it is not applied again.',
        );
      }
      if (!billingEvents.workspaceExists(workspaceId)) {
        throw AppError.notFound('No workspace with this id.');
      }
      if (event.data.planId) {
        subscriptions.assign(workspaceId, { planId: event.data.planId }, actor);
      }
      const to = targetState[event.type];
      if (to) {
        subscriptions.transition(workspaceId, to, {
          ...(to === 'suspended' ? { suspendedReason: 'non_payment' as const } : {}),
          actor,
          note: `billing event ${event.id}`,
        });
      }
      billingEvents.record({ id: event.id, type: event.type, workspaceId, at: now() });
    });
    access.emit('workspaceStateChanged', { workspaceId });
  }
}
