import {
  SUBSCRIPTION_STATES,
  type SubscriptionState,
  type WorkspaceReadOnlyReason,
} from '@desk/protocol';

/**
 * The subscription state machine (terms §7). A trial becomes active when the customer
 * subscribes; a failed payment makes it past_due (still writable: a grace for the card);
 * suspension (trial over, non-payment, or an operator) makes the workspace read-only;
 * termination starts the deletion grace period. Every state but terminated-past-grace can
 * be reactivated. Nothing here deletes data.
 */
export const subscriptionStates = SUBSCRIPTION_STATES;
export type { SubscriptionState };

export type SuspendedReason = 'trial_expired' | 'non_payment' | 'operator';

/** Why a workspace is read-only, when it is; shown by the UI and sent by sync with writes refused. */
export type { WorkspaceReadOnlyReason };

const allowed: Readonly<Record<SubscriptionState, readonly SubscriptionState[]>> = {
  trialing: ['active', 'past_due', 'suspended', 'terminated'],
  active: ['past_due', 'suspended', 'terminated'],
  past_due: ['active', 'suspended', 'terminated'],
  // Back to trialing only when an operator extends an expired trial.
  suspended: ['active', 'trialing', 'terminated'],
  // Reactivation within the grace period.
  terminated: ['active'],
};

export function canTransition(from: SubscriptionState, to: SubscriptionState): boolean {
  return allowed[from].includes(to);
}

/** Days between termination and the earliest deletion of the workspace's data. */
export const TERMINATION_GRACE_DAYS = 30;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface StateFacts {
  state: SubscriptionState;
  suspendedReason: SuspendedReason | null;
  trialEndsAt: number | null;
}

/**
 * The state as it is at `now`: a trial whose end has passed counts as suspended for trial
 * expiry even before the sweeper has recorded it, so there is no window in which an expired
 * trial still accepts writes.
 */
export function effectiveState(
  facts: StateFacts,
  now: number,
): { state: SubscriptionState; suspendedReason: SuspendedReason | null } {
  if (facts.state === 'trialing' && facts.trialEndsAt !== null && facts.trialEndsAt <= now) {
    return { state: 'suspended', suspendedReason: 'trial_expired' };
  }
  return { state: facts.state, suspendedReason: facts.suspendedReason };
}

/** Null when the workspace accepts writes. */
export function readOnlyReasonFor(
  state: SubscriptionState,
  suspendedReason: SuspendedReason | null,
): WorkspaceReadOnlyReason | null {
  switch (state) {
    case 'trialing':
    case 'active':
    case 'past_due':
      return null;
    case 'suspended':
      return suspendedReason === 'trial_expired' ? 'trial_expired' : 'suspended';
    case 'terminated':
      return 'terminated';
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
