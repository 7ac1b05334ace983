import type { DocErrorCode } from '@desk/protocol';

/** What the server sent when it refused or could not serve the doc; the status shows it. */
export interface DocError {
  readonly code: DocErrorCode;
  readonly message: string;
}

/**
 * Where one replica's subscription on the shared socket stands. Each state carries only
 * what exists in it (tldraw's `RoomSession` is the model), so "refused but subscribed" or
 * "has the server's state while idle" cannot be written down.
 *
 * - `idle`: not subscribed and nothing wrong (no connection yet, unloaded, or unblocked).
 * - `blocked`: the server refused the doc for a reason only the user can change
 *   (not_member, access_revoked, …): no subscription until `unblocked`.
 * - `retryPending`: the server could not load or store the doc (storage_unavailable,
 *   missing_dependencies): the owner subscribes again later; the error shows meanwhile.
 * - `subscribing`: `subscribe` and our sync step 1 are sent, `subscribed` is not yet back.
 *   `error` is the failure of the previous attempt, shown until the server confirms.
 * - `subscribed`: the server confirmed. `awaitingStep2` counts the server's step 2s still
 *   due, one per step 1 we sent (a reset sends a second one); at 0 we hold its state.
 *
 * While live, `ownStep2Out` says our step 2 of this subscription is out (or was not needed).
 * Until then local edits are held, not sent: an update sent before our step 2 builds on
 * changes the server does not have yet, and it would answer `missing_dependencies`. Every
 * new subscription starts without it, so a step 2 of an earlier one never counts.
 */
export type Subscription =
  | { readonly kind: 'idle' }
  | { readonly kind: 'blocked'; readonly error: DocError }
  | { readonly kind: 'retryPending'; readonly error: DocError }
  | {
      readonly kind: 'subscribing';
      readonly awaitingStep2: number;
      readonly ownStep2Out: boolean;
      readonly error: DocError | null;
    }
  | { readonly kind: 'subscribed'; readonly awaitingStep2: number; readonly ownStep2Out: boolean };

/** The states in which frames of the doc flow on the socket. */
export type Live = Extract<Subscription, { kind: 'subscribing' | 'subscribed' }>;

export const IDLE: Subscription = { kind: 'idle' };

/**
 * The transitions, as pure functions of the current state. One that does not apply in a
 * state returns null (the caller decides whether that is worth a log line) or, for events
 * that may arrive in any state, the state unchanged.
 */
export const transition = {
  /** `subscribe` and our step 1 sent: one step 2 of the server is due. */
  start(state: Subscription): Live | null {
    switch (state.kind) {
      case 'idle':
        return { kind: 'subscribing', awaitingStep2: 1, ownStep2Out: false, error: null };
      case 'retryPending':
        return { kind: 'subscribing', awaitingStep2: 1, ownStep2Out: false, error: state.error };
      case 'blocked':
      case 'subscribing':
      case 'subscribed':
        return null;
    }
  },

  /** The server's `subscribed`: the previous attempt's error is history. */
  confirmed(state: Subscription): Live | null {
    if (state.kind !== 'subscribing') return null;
    return {
      kind: 'subscribed',
      awaitingStep2: state.awaitingStep2,
      ownStep2Out: state.ownStep2Out,
    };
  },

  /**
   * Our step 2 is out on the live subscription (or not needed: a read-only replica with
   * nothing new), or a reset made the server's state ours: local edits may be sent now.
   */
  ownStep2Sent(state: Subscription): Subscription {
    if (!isLive(state) || state.ownStep2Out) return state;
    return { ...state, ownStep2Out: true };
  },

  /** One more step 1 sent on the live subscription (a reset asks for the whole state). */
  stateRequested(state: Subscription): Subscription {
    if (!isLive(state)) return state;
    return { ...state, awaitingStep2: state.awaitingStep2 + 1 };
  },

  /** A step 2 of the server arrived. Extra ones (a slow first sync) change nothing. */
  step2Received(state: Subscription): Subscription {
    if (!isLive(state) || state.awaitingStep2 === 0) return state;
    return { ...state, awaitingStep2: state.awaitingStep2 - 1 };
  },

  /**
   * The subscription ended (unsubscribed or the socket is gone). A failed attempt's error
   * stays, and so does a refusal: losing the socket does not undo either.
   */
  lost(state: Subscription): Subscription {
    switch (state.kind) {
      case 'idle':
      case 'blocked':
      case 'retryPending':
        return state;
      case 'subscribing':
        return state.error ? { kind: 'retryPending', error: state.error } : IDLE;
      case 'subscribed':
        return IDLE;
    }
  },

  /** The server refused the doc for a reason only the user can change. From any state. */
  refused(_state: Subscription, error: DocError): Subscription {
    return { kind: 'blocked', error };
  },

  /**
   * The server could not serve the live subscription; the owner retries later. A failure
   * arriving after the subscription ended is one of several for the same batch: ignored.
   */
  failed(state: Subscription, error: DocError): Subscription | null {
    return isLive(state) ? { kind: 'retryPending', error } : null;
  },

  /** The user (or the retry timer) clears the error: subscribing is allowed again. */
  unblocked(state: Subscription): Subscription {
    switch (state.kind) {
      case 'idle':
      case 'subscribed':
        return state;
      case 'blocked':
      case 'retryPending':
        return IDLE;
      case 'subscribing':
        return state.error ? { ...state, error: null } : state;
    }
  },
};

export function isLive(state: Subscription): state is Live {
  return state.kind === 'subscribing' || state.kind === 'subscribed';
}

/** The server's step 2s still due: 0 once it has sent its state (or nothing is live). */
export function step2Due(state: Subscription): number {
  return isLive(state) ? state.awaitingStep2 : 0;
}

/** A local edit goes to the server now: confirmed, and our step 2 is out before it. */
export function sendsEdits(state: Subscription): boolean {
  return state.kind === 'subscribed' && state.ownStep2Out;
}

/** Confirmed, and every step 2 the server owes us has arrived. */
export function hasServerState(state: Subscription): boolean {
  return state.kind === 'subscribed' && state.awaitingStep2 === 0;
}

/** The error the status shows, if any. */
export function errorOf(state: Subscription): DocError | null {
  switch (state.kind) {
    case 'idle':
    case 'subscribed':
      return null;
    case 'blocked':
    case 'retryPending':
    case 'subscribing':
      return state.error;
  }
}
