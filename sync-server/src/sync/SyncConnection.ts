import {
  CHUNKED_PROTOCOL_VERSION,
  CloseCode,
  DocAccess,
  DocErrorCode,
  MessageType,
  MIN_PROTOCOL_VERSION,
  MODERATION_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  RATE_LIMIT_PROTOCOL_VERSION,
  REPLICA_AGE_PROTOCOL_VERSION,
  STORAGE_FULL_PROTOCOL_VERSION,
  decodeClientMessage,
  encodeServerMessage,
  parseDocId,
  type CatchUpMessage,
  type ClientMessage,
  type DisabledItemEntry,
} from '@desk/protocol';
import type { DocSubscription } from './DocSubscription.ts';
import { SocketConnection, type ConnectionServices } from './SocketConnection.ts';
import { docChunkFrames } from './yMessages.ts';
import type { Principal } from './SyncAuth.ts';
import type { SyncDocStore } from './SyncDocStore.ts';
import type { SyncSocket } from './SyncSocket.ts';

export interface SyncConnectionServices extends ConnectionServices {
  readonly store: SyncDocStore;
}

/**
 * A socket on the multiplexed endpoint (`/sync`, PROTOCOL.md): hello/welcome, any number
 * of documents subscribed by id, catch-up per workspace, acks and doc errors.
 */
export class SyncConnection extends SocketConnection {
  readonly framed = true;
  #helloReceived = false;
  /** The version this client speaks (its hello); the welcome answers with the same. */
  protocolVersion = PROTOCOL_VERSION;

  constructor(
    socket: SyncSocket,
    principal: Principal,
    protected override readonly services: SyncConnectionServices,
  ) {
    super(socket, principal, services);
  }

  onMessage(data: Buffer): void {
    if (this.closed) return;
    if (data.byteLength > this.services.limits.maxMessageBytes) {
      this.fail(CloseCode.messageTooLarge, 'Message too large.');
      return;
    }
    let message: ClientMessage;
    try {
      message = decodeClientMessage(data);
      if (!this.#helloReceived) {
        this.#hello(message);
        return;
      }
      this.#dispatch(message, data);
    } catch (err) {
      this.handleProtocolError(err);
    }
  }

  #hello(message: ClientMessage): void {
    if (message.type !== MessageType.hello) {
      this.fail(CloseCode.malformedFrame, 'The first message must be hello.');
      return;
    }
    if (
      message.protocolVersion < MIN_PROTOCOL_VERSION ||
      message.protocolVersion > PROTOCOL_VERSION
    ) {
      this.fail(
        CloseCode.protocolVersion,
        `Protocol version ${message.protocolVersion} is not supported; reload the app.`,
      );
      return;
    }
    this.#helloReceived = true;
    // An older client is answered in its own version (it refuses any other welcome) and
    // gets only the frames that version knows.
    this.protocolVersion = message.protocolVersion;
    this.#sendControl({
      type: MessageType.welcome,
      protocolVersion: this.protocolVersion,
      generation: this.services.store.generation(),
      userId: this.principal.userId,
    });
  }

  #dispatch(message: ClientMessage, frame: Buffer): void {
    switch (message.type) {
      case MessageType.doc: {
        const subscription = this.subscriptions.get(message.docId);
        // Frames for a doc just unsubscribed may still be in flight: dropped, not an error.
        if (!subscription) return;
        if (subscription.state === 'pending') {
          this.enqueue(subscription, message.payload, frame);
          return;
        }
        subscription.receive(message.payload, frame);
        return;
      }
      case MessageType.subscribe:
        this.#subscribe(message.docId, message.replicaSyncedAt);
        return;
      case MessageType.unsubscribe: {
        const subscription = this.subscriptions.get(message.docId);
        if (subscription) this.endSubscription(subscription);
        return;
      }
      case MessageType.catchUp:
        void this.#catchUp(message);
        return;
      case MessageType.hello:
        this.fail(CloseCode.malformedFrame, 'hello sent twice.');
        return;
      case MessageType.ping:
        // Heartbeat (SPEC.md, FLOW-2): answered at once, so the client learns the path is alive.
        this.#sendControl({ type: MessageType.pong, nonce: message.nonce });
        return;
      default: {
        const unreachable: never = message;
        throw new Error(`unhandled message ${String(unreachable)}`);
      }
    }
  }

  #subscribe(docId: string, replicaSyncedAt: number | undefined): void {
    if (this.subscriptions.has(docId)) return; // already subscribed or pending
    const parsed = parseDocId(docId);
    if (!parsed) {
      this.#docError(docId, DocErrorCode.invalidDocId, 'Not a valid document id.');
      return;
    }
    if (this.subscriptions.size >= this.services.limits.maxDocsPerSocket) {
      this.#docError(docId, DocErrorCode.tooManyDocs, 'Too many documents on one connection.');
      return;
    }
    const subscription = this.beginSubscription(docId, parsed.workspaceId);
    // Protocol 5: a replica that last caught up before the offline-replica limit may not
    // write back what it holds from then (SPEC IDX-GEN-7). No stamp: not checked.
    if (
      subscription &&
      replicaSyncedAt !== undefined &&
      this.services.now() - replicaSyncedAt > this.services.limits.offlineReplicaMs
    ) {
      subscription.replicaTooOld = true;
    }
  }

  async #catchUp(message: CatchUpMessage): Promise<void> {
    try {
      await this.#answerCatchUp(message);
    } catch (err) {
      this.services.log.error({ err, workspaceId: message.workspaceId }, 'catch-up failed');
      this.#docError(
        message.workspaceId,
        DocErrorCode.storageUnavailable,
        'Catch-up failed; try again later.',
      );
    }
  }

  async #answerCatchUp(message: CatchUpMessage): Promise<void> {
    const authorization = await this.grant(message.workspaceId);
    if (this.closed) return;
    if (!authorization.ok) {
      // A refused catch-up is a docError whose doc id is the workspace id.
      this.#docError(message.workspaceId, authorization.code, authorization.message);
      return;
    }
    const { store } = this.services;
    const generation = store.generation();
    // The sequence first, then the changes: a doc changed in between (another process, on a
    // shared store) is listed now and again next time, never missed.
    const seq = await store.workspaceSeq(message.workspaceId);
    // A different generation means the database was restored: the client's sequence means
    // nothing here, and it must exchange state vectors for everything it holds.
    const full = message.generation !== generation;
    // Awaited on both branches: answers keep the order of the catch-ups they answer.
    const changed = await (full ? [] : store.changedSince(message.workspaceId, message.sinceSeq));
    if (this.closed) return;
    this.#sendControl({
      type: MessageType.catchUpResult,
      workspaceId: message.workspaceId,
      generation,
      seq,
      full,
      changed,
      // Protocol 5: the client stamps its replica with this once the changes are synced.
      ...(this.protocolVersion >= REPLICA_AGE_PROTOCOL_VERSION
        ? { serverTime: this.services.now() }
        : {}),
    });
  }

  /** Catch-up bigger than a piece goes in docChunk frames, to clients that reassemble them. */
  protected override catchUpFrames(
    subscription: DocSubscription,
    payload: Uint8Array,
  ): Iterable<Uint8Array> {
    const chunkBytes = this.services.limits.catchUpChunkBytes;
    if (payload.byteLength <= chunkBytes || this.protocolVersion < CHUNKED_PROTOCOL_VERSION) {
      return super.catchUpFrames(subscription, payload);
    }
    return docChunkFrames(subscription.docId, payload, chunkBytes);
  }

  protected onActive(subscription: DocSubscription): void {
    this.#sendControl({
      type: MessageType.subscribed,
      docId: subscription.docId,
      access: subscription.access,
      // Protocol 3: the plan's write limits, so the client refuses first with words.
      ...(this.protocolVersion >= RATE_LIMIT_PROTOCOL_VERSION
        ? {
            limits: {
              maxDocBytes: subscription.maxDocBytes,
              maxTickets: subscription.maxTickets,
              messagesPerMinute: subscription.messagesPerMinute,
            },
          }
        : {}),
    });
  }

  protected onRefused(subscription: DocSubscription, code: DocErrorCode, message: string): void {
    this.endSubscription(subscription);
    this.#docError(subscription.docId, code, message);
  }

  protected onAccessChanged(subscription: DocSubscription): void {
    // A second `subscribed` for a live doc announces its new access; a read-only one is
    // followed by the reason, as a docError that leaves the subscription open.
    this.onActive(subscription);
    if (subscription.access === DocAccess.read) {
      this.#docError(subscription.docId, subscription.readOnlyCode, 'Changes are not accepted.');
    }
  }

  ack(subscription: DocSubscription, count: number): void {
    this.#sendControl({ type: MessageType.ack, docId: subscription.docId, count });
  }

  refuse(
    subscription: DocSubscription,
    code: DocErrorCode,
    message: string,
    _changes?: boolean | null,
    retryAfterMs?: number,
  ): void {
    if (code === DocErrorCode.rateLimited) {
      // An older client knows neither the code nor the delay (it would close on an unknown
      // code): storage_unavailable makes it resubscribe with backoff and resend, as it must.
      if (this.protocolVersion < RATE_LIMIT_PROTOCOL_VERSION) {
        this.#docError(subscription.docId, DocErrorCode.storageUnavailable, message);
        return;
      }
      this.#sendControl({
        type: MessageType.docError,
        docId: subscription.docId,
        code,
        message,
        retryAfterMs: retryAfterMs ?? 0,
      });
      return;
    }
    if (code === DocErrorCode.storageFull && this.protocolVersion < STORAGE_FULL_PROTOCOL_VERSION) {
      // An older client does not know the code; doc_too_large gets it the same handling
      // (the change kept as a draft, the replica reset to the server's).
      this.#docError(subscription.docId, DocErrorCode.docTooLarge, message);
      return;
    }
    this.#docError(subscription.docId, code, message);
  }

  protected sendCloseReason(code: CloseCode, message: string): void {
    this.#sendControl({ type: MessageType.error, code, message });
  }

  protected override sendDisabledItems(
    workspaceId: string,
    items: readonly DisabledItemEntry[],
  ): void {
    // Protocol 4: older clients know neither the message nor the code (they would close).
    if (this.protocolVersion < MODERATION_PROTOCOL_VERSION) return;
    this.#sendControl({ type: MessageType.disabledItems, workspaceId, items: [...items] });
  }

  #docError(docId: string, code: DocErrorCode, message: string): void {
    if (
      code === DocErrorCode.contentDisabled &&
      this.protocolVersion < MODERATION_PROTOCOL_VERSION
    ) {
      // An older client blocks the doc on access_revoked too, with the reason as its words.
      code = DocErrorCode.accessRevoked;
    }
    this.#sendControl({ type: MessageType.docError, docId, code, message });
  }

  #sendControl(message: Parameters<typeof encodeServerMessage>[0]): void {
    const bytes = encodeServerMessage(message);
    this.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
}
