import { ErrorCode } from '@desk/protocol';
import type { BillingEvent } from '@desk/protocol/rest';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AuditActor } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { AsyncBillingEventStore } from './BillingEventStore.ts';
import type {
  SubscriptionAssignment,
  SubscriptionStore,
  TransitionOptions,
} from './SubscriptionStore.ts';
import type { SubscriptionState } from './SubscriptionState.ts';

/**
 * The stores subscription changes read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer, `SqlSubscriptionStore` locking the row it moves); part of
 * `Services.control`.
 */
export interface SubscriptionChangesStores {
  readonly transactions: AsyncTransactions;
  readonly subscriptions: AsyncStore<SubscriptionStore>;
  readonly billingEvents: AsyncBillingEventStore;
}

/** What subscription changes use (built once in createServices). */
export interface SubscriptionChangesDeps {
  readonly control: SubscriptionChangesStores;
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
  async transition(
    workspaceId: string,
    to: SubscriptionState,
    options: TransitionOptions,
  ): Promise<boolean> {
    const { transactions, subscriptions } = this.#deps.control;
    const changed = await transactions.write(() =>
      subscriptions.transition(workspaceId, to, options),
    );
    const { access } = this.#deps;
    if (changed) access.emit('workspaceStateChanged', { workspaceId });
    return changed;
  }

  /**
   * Plan, custom seat limit and trial end, in one transaction. Assigning a paid plan to a
   * workspace in trial (or whose trial ran out) activates it: the customer has subscribed.
   */
  async assign(
    workspaceId: string,
    change: SubscriptionAssignment,
    actor: AuditActor,
  ): Promise<void> {
    const { transactions, subscriptions } = this.#deps.control;
    await transactions.write(() => subscriptions.assign(workspaceId, change, actor));
    this.#deps.access.emit('workspaceStateChanged', { workspaceId });
  }

  /**
   * A verified event of the payment provider. One immediate transaction: the replay check,
   * the effect and the stored event id commit together, so an event is applied exactly once
   * even across processes (a replay is refused with 409 webhook_replayed); a failed event
   * leaves no id behind and the provider's retry is accepted.
   */
  async applyBillingEvent(event: BillingEvent): Promise<void> {
    const { transactions, subscriptions, billingEvents } = this.#deps.control;
    const { access, now } = this.#deps;
    const { workspaceId } = event.data;
    const actor = { kind: 'billing' as const, userId: null };
    const at = now();
    await transactions.write(async () => {
      if (await billingEvents.wasReceived(event.id)) {
        throw new AppError(
          ErrorCode.webhookReplayed,
          409,
          'This event was already received; it is not applied again.',
        );
      }
      if (!(await billingEvents.workspaceExists(workspaceId))) {
        throw AppError.notFound('No workspace with this id.');
      }
      if (event.data.planId) {
        await subscriptions.assign(workspaceId, { planId: event.data.planId }, actor);
      }
      const to = targetState[event.type];
      if (to) {
        await subscriptions.transition(workspaceId, to, {
          ...(to === 'suspended' ? { suspendedReason: 'non_payment' as const } : {}),
          actor,
          note: `billing event ${event.id}`,
        });
      }
      await billingEvents.record({ id: event.id, type: event.type, workspaceId, at });
    });
    access.emit('workspaceStateChanged', { workspaceId });
  }
}
