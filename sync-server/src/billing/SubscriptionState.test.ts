import { describe, expect, it } from 'vitest';
import {
  canTransition,
  effectiveState,
  readOnlyReasonFor,
  subscriptionStates,
} from './SubscriptionState.ts';

describe('the subscription state machine', () => {
  it('follows trialing → active → past_due → suspended → terminated', () => {
    expect(canTransition('trialing', 'active')).toBe(true);
    expect(canTransition('active', 'past_due')).toBe(true);
    expect(canTransition('past_due', 'suspended')).toBe(true);
    expect(canTransition('suspended', 'terminated')).toBe(true);
  });

  it('reactivates suspended, past-due and terminated subscriptions', () => {
    expect(canTransition('suspended', 'active')).toBe(true);
    expect(canTransition('past_due', 'active')).toBe(true);
    expect(canTransition('terminated', 'active')).toBe(true);
  });

  it('never goes back to trial except from a suspension', () => {
    for (const from of subscriptionStates) {
      expect(canTransition(from, 'trialing'), from).toBe(from === 'suspended');
    }
  });

  it('leaves terminated only by reactivation', () => {
    expect(subscriptionStates.filter((to) => canTransition('terminated', to))).toEqual(['active']);
  });

  it('treats a trial past its end as suspended for trial expiry before the sweeper records it', () => {
    const facts = { state: 'trialing' as const, suspendedReason: null, trialEndsAt: 1000 };
    expect(effectiveState(facts, 999)).toEqual({ state: 'trialing', suspendedReason: null });
    expect(effectiveState(facts, 1000)).toEqual({
      state: 'suspended',
      suspendedReason: 'trial_expired',
    });
  });

  it('makes only suspension and termination read-only, with the reason', () => {
    expect(readOnlyReasonFor('trialing', null)).toBeNull();
    expect(readOnlyReasonFor('active', null)).toBeNull();
    expect(readOnlyReasonFor('past_due', null)).toBeNull();
    expect(readOnlyReasonFor('suspended', 'trial_expired')).toBe('trial_expired');
    expect(readOnlyReasonFor('suspended', 'non_payment')).toBe('suspended');
    expect(readOnlyReasonFor('suspended', 'operator')).toBe('suspended');
    expect(readOnlyReasonFor('terminated', null)).toBe('terminated');
  });
});
