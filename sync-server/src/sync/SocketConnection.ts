import {
  CloseCode,
  DocErrorCode,
  isDocVisibleTo,
  parseDocId,
  ProtocolError,
  type DisabledItemEntry,
} from '@desk/protocol';
import type { Logger } from '../log/logger.ts';
import { CatchUpSender } from './CatchUpSender.ts';
import type { DocRooms } from './DocRooms.ts';
import { DocSubscription } from './DocSubscription.ts';
import type { ConnectionLink } from './ConnectionLink.ts';
import type { Authorization, Principal, SyncAuth } from './SyncAuth.ts';
import type { SyncLimits } from './SyncLimits.ts';
import type { SyncSocket, SyncSocketHandler } from './SyncSocket.ts';
import type { UpdatePipeline } from './UpdatePipeline.ts';

/** What a connection needs from the engine. */
export interface ConnectionServices {
  readonly rooms: DocRooms;
  readonly pipeline: UpdatePipeline;
  readonly limits: SyncLimits;
  readonly auth: SyncAuth;
  readonly log: Logger;
  readonly now: () => number;
  /** The connection ended; drop it from the engine's indexes. */
  forget(connection: SocketConnection): void;
  /** A socket closed for good (graceful shutdown waits for all of them). */
  socketClosed(): void;
}

let nextConnectionId = 1;

/**
 * One socket, on either endpoint: subscriptions, authorization (cached per workspace),
 * the bounded queue of frames for documents still pending, backpressure, closing. The two
 * endpoints differ only in how they talk to the client (`SyncConnection`, `YjsConnection`).
 */
export abstract class SocketConnection implements ConnectionLink, SyncSocketHandler {
  readonly id = nextConnectionId++;
  abstract readonly framed: boolean;
  closed = false;
  /** Answered the last heartbeat ping. */
  alive = true;
  protected readonly subscriptions = new Map<string, DocSubscription>();
  readonly #grants = new Map<string, Promise<Authorization>>();
  // The bounded queue before authorization: totals over every pending subscription. The
  // set exists only while something is pending (most sockets of a desk sit idle).
  #pending: Set<DocSubscription> | null = null;
  #pendingBytes = 0;
  #pendingFrames = 0;
  #deadline: NodeJS.Timeout | null = null;
  /** The server's catch-up sends, flow-controlled (made on the first one). */
  #catchUp: CatchUpSender | null = null;
  /** Workspaces whose disabled list this connection was sent (terms §4). */
  readonly #toldDisabled = new Set<string>();

  constructor(
    protected readonly socket: SyncSocket,
    readonly principal: Principal,
    protected readonly services: ConnectionServices,
  ) {}

  abstract onMessage(data: Buffer): void;
  /** Tells the client a subscription is live (the server's sync step 1 follows). */
  protected abstract onActive(subscription: DocSubscription): void;
  /** A subscription could not start or lost its access: tell the client, drop it. */
  protected abstract onRefused(
    subscription: DocSubscription,
    code: DocErrorCode,
    message: string,
  ): void;
  /** A live subscription's access level changed. */
  protected abstract onAccessChanged(subscription: DocSubscription): void;
  abstract ack(subscription: DocSubscription, count: number): void;
  abstract refuse(
    subscription: DocSubscription,
    code: DocErrorCode,
    message: string,
    changes?: boolean | null,
    retryAfterMs?: number,
  ): void;
  /** Sends the error frame before a close, where the endpoint has one. */
  protected abstract sendCloseReason(code: CloseCode, message: string): void;
  /** Terms §4: the workspace's full disabled list, where the endpoint can say it (/sync). */
  protected sendDisabledItems(_workspaceId: string, _items: readonly DisabledItemEntry[]): void {}

  /**
   * Terms §4: the operator changed what is disabled in a workspace. Subscriptions of the
   * newly disabled documents end with `content_disabled` (live or pending, like `endDocs`),
   * and a connection with documents of the workspace hears the new list.
   */
  moderationChanged(
    workspaceId: string,
    disabledDocIds: readonly string[],
    reason: string,
    items: readonly DisabledItemEntry[],
  ): void {
    if (this.closed) return;
    // The list first (as at subscribe): a client told `content_disabled` for a doc can then
    // tell a disabled document (named in the list) from a refused write into a disabled entry.
    if (this.#toldDisabled.has(workspaceId) || this.hasWorkspace(workspaceId)) {
      this.#toldDisabled.add(workspaceId);
      this.sendDisabledItems(workspaceId, items);
    }
    if (disabledDocIds.length > 0) {
      this.endDocs(new Set(disabledDocIds), DocErrorCode.contentDisabled, reason);
    }
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(bytes);
    // Backpressure: a client that does not read must not make the server buffer without
    // bound, nor slow the room for everyone else. The server's own catch-up in the buffer
    // does not count: it is flow-controlled, and a first sync may exceed the limit alone.
    const catchUp = this.#catchUp?.inFlight ?? 0;
    if (this.socket.bufferedAmount - catchUp > this.services.limits.maxBufferedBytes) {
      this.fail(CloseCode.slowConsumer, 'The connection cannot keep up; reconnect to resync.');
    }
  }

  sendCatchUp(
    subscription: DocSubscription,
    produce: () => Uint8Array | Promise<Uint8Array>,
  ): void {
    if (this.closed) return;
    this.#catchUp ??= new CatchUpSender(this.socket, this.services.limits.catchUpChunkBytes);
    // The room's updates wait for this answer (DocSubscription.deliverUpdate): before it, a
    // client would apply them to a replica without their dependencies.
    subscription.holdUpdates();
    this.#catchUp.add({
      live: () => subscription.state === 'active' && !this.closed,
      produce: () => {
        // Built from the room as it is now: it holds every update held so far.
        subscription.dropHeldUpdates();
        return produce();
      },
      frames: (payload) => this.catchUpFrames(subscription, payload),
      // Every piece is in the send buffer: the held updates follow them.
      done: () => subscription.releaseUpdates(),
      failed: (err) => {
        this.services.log.error({ err, docId: subscription.docId }, 'sync step 2 failed');
        if (subscription.state !== 'active' || this.closed) return;
        this.onRefused(
          subscription,
          DocErrorCode.storageUnavailable,
          'The document could not be read; try again later.',
        );
      },
    });
  }

  /** The frames carrying a catch-up message of the subscription: by default, one. */
  protected catchUpFrames(
    subscription: DocSubscription,
    payload: Uint8Array,
  ): Iterable<Uint8Array> {
    return [this.framed ? subscription.room!.frame(payload) : payload];
  }

  fail(code: CloseCode, message: string): void {
    if (this.closed) return;
    this.services.log.info(
      { connection: this.id, userId: this.principal.userId, closeCode: code, reason: message },
      'sync socket closed by server',
    );
    if (code !== CloseCode.slowConsumer) this.sendCloseReason(code, message);
    this.closed = true;
    this.socket.close(code, message.slice(0, 120));
    this.#cleanUp();
  }

  /** The socket closed (either side). */
  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.#cleanUp();
  }

  onSocketClosed(): void {
    this.onClose();
    this.services.socketClosed();
  }

  onPong(): void {
    this.alive = true;
  }

  /** Closes the socket of a principal whose session or token was revoked. */
  revoke(): void {
    this.fail(CloseCode.sessionRevoked, 'Your session was ended.');
  }

  /**
   * These documents were deleted: their subscriptions end, live or still pending (frames
   * queued before authorization are never applied), and the client is told why.
   */
  endDocs(docIds: ReadonlySet<string>, code: DocErrorCode, message: string): void {
    for (const subscription of [...this.subscriptions.values()]) {
      if (this.closed) return;
      if (subscription.state === 'closed' || !docIds.has(subscription.docId)) continue;
      this.onRefused(subscription, code, message);
    }
  }

  /** Heartbeat: terminate a socket that did not answer the previous ping. */
  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.services.log.info({ connection: this.id }, 'sync socket unresponsive; terminated');
      this.closed = true;
      this.socket.terminate();
      this.#cleanUp();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /**
   * The workspaces it has (or is asking for) documents of: its grants' and subscriptions'.
   * A recheck after missed access events authorizes each again (access/recheckAccess.ts).
   */
  workspaceIds(): Set<string> {
    const ids = new Set(this.#grants.keys());
    for (const subscription of this.subscriptions.values()) ids.add(subscription.workspaceId);
    return ids;
  }

  /** Whether this connection has (or is asking for) documents of the workspace. */
  hasWorkspace(workspaceId: string): boolean {
    if (this.#grants.has(workspaceId)) return true;
    for (const subscription of this.subscriptions.values()) {
      if (subscription.workspaceId === workspaceId) return true;
    }
    return false;
  }

  /**
   * Access to the workspace may have changed: authorize again and close or downgrade the
   * live subscriptions at once.
   */
  async reauthorize(workspaceId: string): Promise<void> {
    this.#grants.delete(workspaceId);
    const live = [...this.subscriptions.values()].filter(
      (s) => s.workspaceId === workspaceId && s.state === 'active',
    );
    if (live.length === 0) return;
    let authorization: Authorization;
    try {
      authorization = await this.grant(workspaceId);
    } catch (err) {
      // Fail closed: access that cannot be confirmed after a change is taken away.
      this.services.log.error({ err, workspaceId }, 'sync re-authorization failed');
      authorization = { ok: false, code: DocErrorCode.accessRevoked, message: '' };
    }
    for (const subscription of live) {
      if (this.closed || subscription.state !== 'active') continue;
      if (!authorization.ok) {
        // A workspace being deleted says so (the client forgets it, with those words);
        // every other loss of access is a revoked membership.
        if (authorization.code === DocErrorCode.workspaceDeleted) {
          this.onRefused(subscription, authorization.code, authorization.message);
        } else {
          this.onRefused(
            subscription,
            DocErrorCode.accessRevoked,
            'Your access to this workspace was removed.',
          );
        }
        continue;
      }
      const before = subscription.access;
      const beforeCode = subscription.readOnlyCode;
      this.#applyGrant(subscription, authorization);
      if (subscription.access !== before || subscription.readOnlyCode !== beforeCode) {
        this.onAccessChanged(subscription);
      }
    }
  }

  /** The authorization for a workspace, asked once per connection and cached. */
  protected grant(workspaceId: string): Promise<Authorization> {
    let grant = this.#grants.get(workspaceId);
    if (!grant) {
      grant = this.services.auth.authorize(this.principal, workspaceId);
      this.#grants.set(workspaceId, grant);
    }
    return grant;
  }

  /** Starts a subscription: pending until authorized and loaded. False when over a cap. */
  protected beginSubscription(docId: string, workspaceId: string): DocSubscription | null {
    const subscription = new DocSubscription(
      this,
      docId,
      workspaceId,
      this.services.pipeline,
      this.services.limits,
      this.services.now(),
    );
    this.subscriptions.set(docId, subscription);
    this.#pending ??= new Set();
    this.#pending.add(subscription);
    if (this.#pending.size > this.services.limits.pendingMaxDocs) {
      this.fail(CloseCode.authQueueExceeded, 'Too many documents waiting for authorization.');
      return null;
    }
    this.#armDeadline();
    void this.#activate(subscription);
    return subscription;
  }

  /** Queues a frame for a pending subscription; false (and closed with 4408) past a cap. */
  protected enqueue(
    subscription: DocSubscription,
    payload: Uint8Array,
    frame: Uint8Array | null,
  ): boolean {
    const limits = this.services.limits;
    const bytes = (frame ?? payload).byteLength;
    this.#pendingBytes += bytes;
    this.#pendingFrames++;
    if (
      this.#pendingBytes > limits.pendingMaxBytes ||
      this.#pendingFrames > limits.pendingMaxFrames
    ) {
      this.fail(CloseCode.authQueueExceeded, 'Too much data sent before authorization.');
      return false;
    }
    subscription.queue.push([payload, frame]);
    subscription.queuedBytes += bytes;
    return true;
  }

  /** Ends a subscription in any state; the client is told by the caller if needed. */
  protected endSubscription(subscription: DocSubscription): void {
    if (subscription.state === 'closed') return;
    if (subscription.state === 'pending') this.#releasePending(subscription);
    subscription.state = 'closed';
    if (this.subscriptions.get(subscription.docId) === subscription) {
      this.subscriptions.delete(subscription.docId);
    }
    if (subscription.room) this.services.rooms.leave(subscription.room, subscription);
  }

  protected handleProtocolError(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.services.log.warn(
        { connection: this.id, userId: this.principal.userId, err: err.message },
        'malformed sync frame',
      );
      this.fail(CloseCode.malformedFrame, err.message);
      return;
    }
    this.services.log.error({ err, connection: this.id }, 'sync message handling failed');
    this.fail(CloseCode.internalError, 'The server failed to handle a message.');
  }

  async #activate(subscription: DocSubscription): Promise<void> {
    const { rooms, log } = this.services;
    let authorization: Authorization;
    try {
      // The grant may be replaced by an access event while we wait; use the newest.
      for (;;) {
        const grant = this.grant(subscription.workspaceId);
        authorization = await grant;
        if (this.#grants.get(subscription.workspaceId) === grant) break;
      }
    } catch (err) {
      log.error({ err, docId: subscription.docId }, 'sync authorization failed');
      if (subscription.state !== 'pending' || this.closed) return;
      this.onRefused(subscription, DocErrorCode.storageUnavailable, 'Authorization failed.');
      return;
    }
    if (subscription.state !== 'pending' || this.closed) return;
    if (!authorization.ok) {
      this.onRefused(subscription, authorization.code, authorization.message);
      return;
    }
    const parsed = parseDocId(subscription.docId);
    if (!parsed || !isDocVisibleTo(parsed, this.principal.userId)) {
      // Per-user documents (saved views, read markers) are private to their user.
      this.onRefused(
        subscription,
        DocErrorCode.notMember,
        'This document belongs to another member.',
      );
      return;
    }
    // Terms §4: the list first (once per workspace), then a disabled document is refused.
    if (!this.#toldDisabled.has(subscription.workspaceId) && authorization.disabledItems) {
      this.#toldDisabled.add(subscription.workspaceId);
      this.sendDisabledItems(subscription.workspaceId, authorization.disabledItems());
    }
    const disabledReason = authorization.disabledDoc?.(subscription.docId) ?? null;
    if (disabledReason !== null) {
      this.onRefused(subscription, DocErrorCode.contentDisabled, disabledReason);
      return;
    }
    this.#applyGrant(subscription, authorization);

    let room = rooms.get(subscription.docId);
    // A large doc's room is listed while the worker still merges it: wait for it too.
    if (!room || rooms.isLoading(subscription.docId)) {
      try {
        room = await rooms.load(subscription.docId, subscription.workspaceId);
      } catch (err) {
        log.error({ err, docId: subscription.docId }, 'doc load failed');
        if (subscription.state !== 'pending' || this.closed) return;
        this.onRefused(
          subscription,
          DocErrorCode.storageUnavailable,
          'The document could not be loaded; try again later.',
        );
        return;
      }
      if (subscription.state !== 'pending' || this.closed) return;
    }

    this.#releasePending(subscription);
    const queue = subscription.queue;
    subscription.queue = [];
    subscription.queuedBytes = 0;
    subscription.state = 'active';
    subscription.room = room;
    rooms.join(room, subscription);
    if (authorization.redactionPlan) room.planSource ??= authorization.redactionPlan;
    this.onActive(subscription);
    authorization.onOpened?.(subscription.docId);
    subscription.send(room.syncStep1());
    const presence = room.awareness.snapshot();
    if (presence) subscription.send(presence);
    for (const [payload, frame] of queue) {
      if (this.closed || subscription.state !== 'active') return;
      try {
        subscription.receive(payload, frame);
      } catch (err) {
        this.handleProtocolError(err);
        return;
      }
    }
  }

  #applyGrant(subscription: DocSubscription, authorization: Authorization & { ok: true }): void {
    subscription.access = authorization.access;
    subscription.readOnlyCode = authorization.readOnlyCode ?? DocErrorCode.readOnlyRole;
    subscription.maxDocBytes = authorization.maxDocBytes ?? null;
    subscription.maxTickets = authorization.maxTickets ?? null;
    subscription.updateRate = authorization.updateRate ?? null;
    subscription.messagesPerMinute = authorization.messagesPerMinute ?? null;
    subscription.storage = authorization.storage ?? null;
  }

  #releasePending(subscription: DocSubscription): void {
    if (!this.#pending?.delete(subscription)) return;
    this.#pendingBytes -= subscription.queuedBytes;
    this.#pendingFrames -= subscription.queue.length;
    if (this.#pending.size > 0) return;
    this.#pending = null;
    if (this.#deadline) {
      clearTimeout(this.#deadline);
      this.#deadline = null;
    }
  }

  #armDeadline(): void {
    if (this.#deadline) return;
    const oldest = this.#pending?.values().next();
    if (!oldest || oldest.done) return;
    const wait =
      oldest.value.pendingSince + this.services.limits.pendingDeadlineMs - this.services.now();
    this.#deadline = setTimeout(() => this.#checkDeadline(), Math.max(wait, 0));
    this.#deadline.unref();
  }

  #checkDeadline(): void {
    this.#deadline = null;
    if (this.closed) return;
    const oldest = this.#pending?.values().next();
    if (!oldest || oldest.done) return;
    if (oldest.value.pendingSince + this.services.limits.pendingDeadlineMs <= this.services.now()) {
      this.fail(CloseCode.authQueueExceeded, 'Authorization took too long.');
      return;
    }
    this.#armDeadline();
  }

  #cleanUp(): void {
    this.#catchUp?.close();
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = null;
    for (const subscription of [...this.subscriptions.values()]) this.endSubscription(subscription);
    this.#grants.clear();
    this.services.forget(this);
  }
}
