import { CloseCode, DocErrorCode, YMessageType } from '@desk/protocol';
import type { DocSubscription } from './DocSubscription.ts';
import { SocketConnection, type ConnectionServices } from './SocketConnection.ts';
import type { Principal } from './SyncAuth.ts';
import type { SyncSocket } from './SyncSocket.ts';

/**
 * A socket on the y-websocket-compatible endpoint (`/yjs/:docId`): one document, exactly
 * the messages of the reference y-websocket server, so the stock `WebsocketProvider`
 * works unmodified. That protocol cannot express refusals, so a refusal closes the socket
 * with a documented code and the DocErrorCode as reason (SPEC.md, YJS-3): 4404 a
 * refused subscription, 4414/4415 an update over the update/document size limit (44xx:
 * the provider stops; reconnecting would send the same update again), 4423 a change from a
 * read-only client, 4529 an update over the update rate (outside 44xx: the provider reconnects
 * and resends it). A read-only client's updates that change nothing (its step 2 after a
 * reconnect) are dropped. A document whose access the operator disabled (terms §4) is
 * closed with 4452 and `content_disabled: <reason>`.
 */
export class YjsConnection extends SocketConnection {
  readonly framed = false;
  #subscription: DocSubscription | null = null;

  constructor(socket: SyncSocket, principal: Principal, services: ConnectionServices) {
    super(socket, principal, services);
  }

  /** Starts syncing the socket's one document. */
  start(docId: string, workspaceId: string): void {
    this.#subscription = this.beginSubscription(docId, workspaceId);
  }

  onMessage(data: Buffer): void {
    if (this.closed) return;
    const subscription = this.#subscription;
    if (!subscription) return;
    if (data.byteLength > this.services.limits.maxMessageBytes) {
      this.fail(CloseCode.messageTooLarge, 'Message too large.');
      return;
    }
    if (subscription.state === 'pending') {
      const type = data[0];
      // A query for presence is its type alone (one byte); the others carry a payload. On a
      // cluster the doc stays pending for the authorization's database reads, so a
      // provider's query arrived here, and was closed as malformed, where SQLite answers
      // before it comes (the fuzzer's well-behaved /yjs sockets closed 4400 on PostgreSQL).
      const known =
        type === YMessageType.sync ||
        type === YMessageType.awareness ||
        type === YMessageType.queryAwareness;
      const minBytes = type === YMessageType.queryAwareness ? 1 : 2;
      if (!known || data.byteLength < minBytes) {
        this.fail(CloseCode.malformedFrame, 'Not a y-protocols message.');
        return;
      }
      this.enqueue(subscription, data, null);
      return;
    }
    if (subscription.state !== 'active') return;
    try {
      subscription.receive(data, null);
    } catch (err) {
      this.handleProtocolError(err);
    }
  }

  protected onActive(): void {
    // y-websocket has no "subscribed": the server's sync step 1 says it all.
  }

  protected onRefused(subscription: DocSubscription, code: DocErrorCode, message: string): void {
    this.endSubscription(subscription);
    if (code === DocErrorCode.contentDisabled) {
      // Terms §4: its own code, and the operator's reason after the code (README, /yjs).
      this.fail(CloseCode.contentDisabled, utf8Prefix(`${code}: ${message}`, 120));
      return;
    }
    this.fail(CloseCode.docRefused, code);
  }

  protected onAccessChanged(): void {
    // Nothing to tell a stock client; its updates are accepted or dropped from now on.
  }

  ack(): void {}

  refuse(
    subscription: DocSubscription,
    code: DocErrorCode,
    message: string,
    changes: boolean | null = true,
  ): void {
    if (code === 'storage_unavailable') {
      // The stock provider reconnects after 4500 and sends its changes again.
      this.fail(CloseCode.internalError, message);
      return;
    }
    if (code === DocErrorCode.rateLimited) {
      // Outside 44xx: the provider reconnects with its backoff and its sync step 2 sends
      // the refused change again (SPEC.md, LIMIT-9).
      this.fail(CloseCode.rateLimited, code);
      return;
    }
    if (code === 'missing_dependencies') {
      // Dropping it would leave the provider believing the server has it; after a
      // reconnect its sync step 2 sends what the server lacks, in causal order.
      this.fail(CloseCode.missingDependencies, message);
      return;
    }
    const close = changes === true ? refusalCloseCode(code) : null;
    if (close !== null) {
      // The provider's doc now holds a change the server refused: say so, with a code that
      // stops it (SPEC.md, YJS-3). Dropping it would diverge the replica silently.
      this.fail(close, code);
      return;
    }
    this.services.log.debug(
      { connection: this.id, docId: subscription.docId, code },
      'update dropped',
    );
  }

  protected sendCloseReason(): void {}
}

/**
 * The close code that tells a stock provider its update was refused (SPEC.md,
 * YJS-3), or null for a refusal handled otherwise.
 */
export function refusalCloseCode(code: DocErrorCode): CloseCode | null {
  switch (code) {
    case DocErrorCode.readOnlyRole:
    case DocErrorCode.workspaceReadOnly:
      return CloseCode.readOnly;
    case DocErrorCode.updateTooLarge:
      return CloseCode.updateTooLarge;
    case DocErrorCode.docTooLarge:
      return CloseCode.docTooLarge;
    case DocErrorCode.ticketLimit:
      return CloseCode.ticketLimit;
    case DocErrorCode.storageFull:
      return CloseCode.storageFull;
    case DocErrorCode.malformedUpdate:
      return CloseCode.malformedFrame;
    case DocErrorCode.contentDisabled:
      // A write into a disabled entry (terms §4): the same code as a disabled document.
      return CloseCode.contentDisabled;
    case DocErrorCode.workspaceDeleted:
      // A write that reached the store after the workspace's purge began: as a subscription
      // refused for it (4404, the reason `workspace_deleted`).
      return CloseCode.docRefused;
    default:
      return null;
  }
}

/** The longest prefix of `text` within `maxBytes` of UTF-8 (a close reason holds 123 bytes). */
function utf8Prefix(text: string, maxBytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.byteLength <= maxBytes) return text;
  let end = maxBytes;
  // Back off to a character boundary (continuation bytes are 10xxxxxx).
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}
