import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import {
  errorOf,
  hasServerState,
  IDLE,
  isLive,
  sendsEdits,
  step2Due,
  transition,
} from './Subscription.ts';
import type { DocError, Subscription } from './Subscription.ts';

const refusal: DocError = { code: DocErrorCode.accessRevoked, message: 'removed' };
const outage: DocError = { code: DocErrorCode.storageUnavailable, message: 'disk gone' };

const blocked: Subscription = { kind: 'blocked', error: refusal };
const retryPending: Subscription = { kind: 'retryPending', error: outage };
const subscribing: Subscription = {
  kind: 'subscribing',
  awaitingStep2: 1,
  ownStep2Out: false,
  error: null,
};
const retrying: Subscription = {
  kind: 'subscribing',
  awaitingStep2: 1,
  ownStep2Out: false,
  error: outage,
};
const subscribed = (awaitingStep2: number, ownStep2Out = false): Subscription => ({
  kind: 'subscribed',
  awaitingStep2,
  ownStep2Out,
});

describe('Subscription', () => {
  describe('start', () => {
    it('subscribes from idle, owing one step 2 of the server', () => {
      expect(transition.start(IDLE)).toEqual(subscribing);
    });

    it('retries after a server failure, still showing that failure', () => {
      expect(transition.start(retryPending)).toEqual(retrying);
    });

    it('does not subscribe while blocked: only the user can lift a refusal', () => {
      expect(transition.start(blocked)).toBeNull();
    });

    it('does not subscribe twice', () => {
      expect(transition.start(subscribing)).toBeNull();
      expect(transition.start(subscribed(0))).toBeNull();
    });
  });

  describe('confirmed', () => {
    it('keeps the step 2s still due and forgets the previous attempt’s error', () => {
      expect(transition.confirmed(retrying)).toEqual(subscribed(1));
    });

    it('is unexpected when no subscription was asked for', () => {
      expect(transition.confirmed(IDLE)).toBeNull();
      expect(transition.confirmed(blocked)).toBeNull();
      expect(transition.confirmed(subscribed(0))).toBeNull();
    });
  });

  describe('the server’s state', () => {
    it('is held once every step 2 due has arrived on a confirmed subscription', () => {
      const confirmed = transition.confirmed(subscribing);
      expect(confirmed && hasServerState(confirmed)).toBe(false);
      const after = transition.step2Received(subscribed(1));
      expect(after).toEqual(subscribed(0));
      expect(hasServerState(after)).toBe(true);
    });

    it('is not held while the subscription is unconfirmed, even with the step 2 in', () => {
      const early = transition.step2Received(subscribing);
      expect(step2Due(early)).toBe(0);
      expect(hasServerState(early)).toBe(false);
    });

    it('is owed again when a reset asks for the whole state', () => {
      const again = transition.stateRequested(subscribed(0));
      expect(again).toEqual(subscribed(1));
      expect(hasServerState(again)).toBe(false);
    });

    it('ignores a request for state and extra step 2s when nothing is owed or live', () => {
      expect(transition.stateRequested(IDLE)).toBe(IDLE);
      expect(transition.step2Received(IDLE)).toBe(IDLE);
      expect(transition.step2Received(subscribed(0))).toEqual(subscribed(0));
      expect(step2Due(blocked)).toBe(0);
    });
  });

  describe('our step 2', () => {
    it('CLIENT-3 lets local edits go only once confirmed and our step 2 is out', () => {
      expect(sendsEdits(subscribed(1))).toBe(false);
      expect(sendsEdits(transition.ownStep2Sent(subscribed(1)))).toBe(true);
      expect(sendsEdits(transition.ownStep2Sent(subscribing))).toBe(false);
    });

    it('is carried from subscribing to subscribed (the server may ask before it confirms)', () => {
      const early = transition.ownStep2Sent(subscribing);
      expect(transition.confirmed(early)).toEqual(subscribed(1, true));
    });

    it('is kept while the server still owes step 2s, and when a reset asks for the state again', () => {
      const out = subscribed(1, true);
      expect(transition.step2Received(out)).toEqual(subscribed(0, true));
      expect(transition.stateRequested(subscribed(0, true))).toEqual(out);
    });

    it('CLIENT-3 never counts for a later subscription: every start begins without it', () => {
      const out = subscribed(0, true);
      const next = transition.start(transition.lost(out));
      expect(next).toEqual(subscribing);
      expect(transition.start(transition.failed(out, outage)!)).toEqual(retrying);
    });

    it('means nothing when no subscription is live', () => {
      for (const state of [IDLE, blocked, retryPending]) {
        expect(transition.ownStep2Sent(state)).toBe(state);
        expect(sendsEdits(state)).toBe(false);
      }
    });
  });

  describe('lost', () => {
    it('goes idle from a live subscription', () => {
      expect(transition.lost(subscribing)).toBe(IDLE);
      expect(transition.lost(subscribed(1))).toBe(IDLE);
    });

    it('keeps a failed attempt’s error, to be retried', () => {
      expect(transition.lost(retrying)).toEqual(retryPending);
    });

    it('does not undo a refusal or a pending retry', () => {
      expect(transition.lost(blocked)).toBe(blocked);
      expect(transition.lost(retryPending)).toBe(retryPending);
    });
  });

  describe('refusals and failures', () => {
    it('blocks on a refusal from any state', () => {
      for (const state of [IDLE, subscribing, subscribed(0), retryPending, blocked]) {
        expect(transition.refused(state, refusal)).toEqual(blocked);
      }
    });

    it('waits for a retry when the server fails a live subscription', () => {
      expect(transition.failed(subscribed(0), outage)).toEqual(retryPending);
      expect(transition.failed(subscribing, outage)).toEqual(retryPending);
    });

    it('ignores a failure that arrives after the subscription ended', () => {
      expect(transition.failed(IDLE, outage)).toBeNull();
      expect(transition.failed(retryPending, outage)).toBeNull();
      expect(transition.failed(blocked, outage)).toBeNull();
    });

    it('clears the error when unblocked, and changes nothing else', () => {
      expect(transition.unblocked(blocked)).toBe(IDLE);
      expect(transition.unblocked(retryPending)).toBe(IDLE);
      expect(transition.unblocked(retrying)).toEqual(subscribing);
      expect(transition.unblocked(subscribing)).toBe(subscribing);
      expect(transition.unblocked(subscribed(1))).toEqual(subscribed(1));
      expect(transition.unblocked(IDLE)).toBe(IDLE);
    });
  });

  it('shows the error of a refusal, a pending retry and a retrying attempt only', () => {
    expect(errorOf(blocked)).toBe(refusal);
    expect(errorOf(retryPending)).toBe(outage);
    expect(errorOf(retrying)).toBe(outage);
    expect(errorOf(IDLE)).toBeNull();
    expect(errorOf(subscribing)).toBeNull();
    expect(errorOf(subscribed(0))).toBeNull();
  });

  it('exchanges frames only while subscribing or subscribed', () => {
    expect([IDLE, blocked, retryPending, subscribing, subscribed(0)].map(isLive)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});
