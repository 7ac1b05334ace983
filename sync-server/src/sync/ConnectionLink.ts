import type { CloseCode, DocErrorCode } from '@desk/protocol';
import type { DocSubscription } from './DocSubscription.ts';
import type { Principal } from './SyncAuth.ts';

/**
 * What a subscription needs from the socket connection that owns it. The multiplexed connection
 * (`/sync`) frames doc messages with the doc id and tells the client about acks and
 * refusals; the y-websocket connection (`/yjs`) sends bare y-protocols messages and has no way
 * to say either.
 */
export interface ConnectionLink {
  readonly id: number;
  readonly principal: Principal;
  /** True on /sync: doc messages travel inside doc frames. */
  readonly framed: boolean;
  /** Sends bytes as they are (closes the socket with 4429 past the send-buffer limit). */
  send(bytes: Uint8Array): void;
  /**
   * Sends a catch-up message for the subscription (the answer to its sync step 1), built by
   * `produce` when the socket is ready for it: flow-controlled, in pieces where the client
   * can reassemble them, never closed for being slow (CatchUpSender).
   */
  sendCatchUp(subscription: DocSubscription, produce: () => Uint8Array | Promise<Uint8Array>): void;
  /** `count` more of this subscription's updates are stored (in send order). */
  ack(subscription: DocSubscription, count: number): void;
  /**
   * One update of this subscription was refused whole. `changes`: whether it would have
   * changed the document (false for a read-only client's step 2 that repeats what the server
   * has; null when not known); refusals for size are always changes. `retryAfterMs`: with
   * `rate_limited`, when the client may send again.
   */
  refuse(
    subscription: DocSubscription,
    code: DocErrorCode,
    message: string,
    changes?: boolean | null,
    retryAfterMs?: number,
  ): void;
  /** Closes the socket: the client broke the protocol or cannot keep up. */
  fail(code: CloseCode, message: string): void;
}
