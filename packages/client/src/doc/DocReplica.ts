import { assertNever, DocAccess, DocErrorCode, YMessageType, type DocLimits } from '@desk/protocol';
import * as decoding from 'lib0/decoding';
import type { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Clock } from '../connection/Clock.ts';
import type { DocStatus } from '../status/SyncStatus.ts';
import type { LocalStore, RefusedChange } from '../store/LocalStore.ts';
import type { LocalStoreError } from '../store/LocalStoreError.ts';
import { docFrames, hasNewItems } from './docFrames.ts';
import { docStatus } from './docStatus.ts';
import { LocalSaveTracker } from './LocalSaveTracker.ts';
import { PendingChanges } from './PendingChanges.ts';
import { RefusedDrafts } from './RefusedDrafts.ts';
import { ReplicaPresence } from './ReplicaPresence.ts';
import { ReplicaReset } from './ReplicaReset.ts';
import { SettleSignal } from './SettleSignal.ts';
import { hasServerState, IDLE, isLive, sendsEdits, step2Due, transition } from './Subscription.ts';
import type { Subscription } from './Subscription.ts';
import { SyncError } from './SyncError.ts';

/** What a replica needs from the client that owns it. */
export interface ReplicaHost {
  readonly store: LocalStore;
  readonly clock: Clock;
  /** Sends a frame on the ready connection; false when there is none. */
  send(frame: Uint8Array): boolean;
  /** Status, pending count or subscription state changed. */
  changed(replica: DocReplica): void;
  /** The server could not load or store the doc: subscribe again later. */
  /** Subscribe again later: after `afterMs` when the server said, else with backoff. */
  retryLater(replica: DocReplica, afterMs?: number): void;
  log(event: string, details: Record<string, unknown>): void;
  /** The server's state arrived (a sync step 2): terms §4 checks for stale redactions. */
  serverStateArrived?(replica: DocReplica): void;
  /** Reads when the workspace's replica last caught up (before the first subscribe). */
  loadReplicaAge?(workspaceId: string): Promise<void>;
  /** When the workspace's replica last caught up (server clock), named in `subscribe`. */
  replicaSyncedAt?(workspaceId: string): number | undefined;
}

export interface ReplacedEvent {
  doc: Y.Doc;
  awareness: Awareness;
}

type ReadOnlyReason = typeof DocErrorCode.readOnlyRole | typeof DocErrorCode.workspaceReadOnly;

/**
 * One document's replica over the shared socket: routes the server's frames and the doc's
 * local changes to the parts that own each job, and derives the status from them.
 *
 * - `Subscription`: where the subscription stands (a union of states, pure transitions).
 *   `subscribe` + sync step 1 (our state vector) → `subscribed` → the server's step 1 (we
 *   answer with step 2: everything it lacks) and its step 2 (everything we lack).
 * - `PendingChanges`: every step 2 and update we send waits for an `ack`, in send order.
 *   On a lost connection they are dropped: the next subscription's step 2 carries the same
 *   content, so "unsaved" is re-derived from the state-vector exchange.
 * - `ReplicaReset`: after a refused change (DESIGN §4.4) a fresh doc is filled from the
 *   server on the live subscription; the refused work becomes a draft (`RefusedDrafts`),
 *   the stored doc is replaced (`LocalSaveTracker`) and `replaced` fires so the UI rebinds.
 *   Local edits made while the reset runs join the draft.
 * - `LocalSaveTracker`: the local-store binding, its save errors and the dirty flag.
 * - `ReplicaPresence`: awareness, exchanged while subscribed.
 */
export class DocReplica {
  readonly docId: string;
  readonly workspaceId: string;
  readonly whenLoaded: Promise<void>;
  readonly whenSynced: Promise<void>;
  /** Open handles. */
  refs = 0;
  /** Background syncs (catch-up, replicate) holding the replica. */
  pins = 0;
  /** Unload scheduled (grace timer) or waiting for acknowledgements. */
  releaseTimer: unknown = null;

  readonly #host: ReplicaHost;
  #doc: Y.Doc;
  readonly #presence: ReplicaPresence;
  readonly #local: LocalSaveTracker;
  readonly #drafts: RefusedDrafts;
  readonly #pending = new PendingChanges();
  readonly #settle = new SettleSignal();
  #subscription: Subscription = IDLE;
  /**
   * Why local edits are refused: the access of the last `subscribed` (a viewer), or the
   * reason the server gave when it refused an update (a read-only workspace). Null while
   * writable; kept while offline, so offline edits of a read-only doc are refused too.
   */
  #readOnlyBecause: ReadOnlyReason | null = null;
  #reset: ReplicaReset | null = null;
  /** A refetch (re-enabled content) waits for our changes to be acknowledged. */
  #refetchWanted = false;
  #loaded = false;
  #destroyed = false;
  readonly #replacedListeners = new Set<(event: ReplacedEvent) => void>();

  constructor(docId: string, workspaceId: string, host: ReplicaHost) {
    this.docId = docId;
    this.workspaceId = workspaceId;
    this.#host = host;
    const log = (event: string, details: Record<string, unknown>) => host.log(event, details);
    this.#doc = new Y.Doc();
    this.#presence = new ReplicaPresence(this.#doc, {
      canSend: () => this.#subscription.kind === 'subscribed',
      send: (update) => this.#host.send(docFrames.awareness(this.docId, update)),
    });
    this.#doc.on('update', this.#onDocUpdate);
    this.#local = new LocalSaveTracker(docId, host.store, { changed: () => this.#changed(), log });
    this.#drafts = new RefusedDrafts(docId, host.store, log);
    this.whenSynced = this.#settle.whenSynced;
    this.whenLoaded = this.#load();
  }

  // ── state for handles and the client ──────────────────────────────────────────────────

  get doc(): Y.Doc {
    return this.#doc;
  }

  get awareness(): Awareness {
    return this.#presence.awareness;
  }

  get refused(): readonly RefusedChange[] {
    return this.#drafts.list;
  }

  get readOnly(): boolean {
    return this.#readOnlyBecause !== null;
  }

  get pending(): number {
    return this.#pending.count;
  }

  /**
   * When the oldest local change not yet acknowledged by the server was made (clock ms);
   * null when the server has every local change (see PendingChanges).
   */
  get unconfirmedSince(): number | null {
    return this.#pending.unconfirmedSince;
  }

  get isLoaded(): boolean {
    return this.#loaded;
  }

  get isSubscribed(): boolean {
    return isLive(this.#subscription);
  }

  get isBlocked(): boolean {
    return this.#subscription.kind === 'blocked';
  }

  /** Has work the server must finish before an unload: unacknowledged changes or a reset. */
  get isBusy(): boolean {
    return this.pending > 0 || this.#reset !== null;
  }

  /**
   * Holds local changes that exist only in memory: the local save failed and the server
   * has not confirmed them. Unloading it would lose them, so it stays loaded (and syncing).
   */
  get holdsUnsavedWork(): boolean {
    return this.#local.holdsUnsavedWork(this.isBusy);
  }

  get localSaveError(): LocalStoreError | null {
    return this.#local.error;
  }

  get isActive(): boolean {
    return this.refs > 0 || this.pins > 0;
  }

  /** Has the server's state, the server has all of ours, and no reset is running. */
  get isSettled(): boolean {
    return hasServerState(this.#subscription) && this.#reset === null && this.pending === 0;
  }

  get status(): DocStatus {
    return docStatus({
      subscription: this.#subscription,
      loaded: this.#loaded,
      settled: this.isSettled,
      pending: this.pending,
      readOnly: this.readOnly,
      saveError: this.#local.error,
    });
  }

  /** Resolves true once settled, false on a refusal that blocks the doc. */
  waitSettled(): Promise<boolean> {
    if (this.isSettled) return Promise.resolve(true);
    if (this.isBlocked || this.#destroyed) return Promise.resolve(false);
    return this.#settle.wait();
  }

  onReplaced(listener: (event: ReplacedEvent) => void): () => void {
    this.#replacedListeners.add(listener);
    return () => this.#replacedListeners.delete(listener);
  }

  /** Forget drafts the user has exported or discarded. */
  dismissRefused(changes: readonly RefusedChange[]): void {
    this.#drafts.dismiss(changes);
    this.#changed();
  }

  /** After a blocking refusal: allow the next connection (or this one) to subscribe again. */
  unblock(): void {
    this.#subscription = transition.unblocked(this.#subscription);
    this.#changed();
  }

  // ── subscription ──────────────────────────────────────────────────────────────────────

  /** Subscribes on the ready connection: `subscribe` + our sync step 1. */
  subscribe(): void {
    if (!this.#loaded || this.#destroyed) return;
    const next = transition.start(this.#subscription);
    if (!next) return;
    const target = this.#reset?.doc ?? this.#doc;
    const syncedAt = this.#host.replicaSyncedAt?.(this.workspaceId);
    if (!this.#host.send(docFrames.subscribe(this.docId, syncedAt))) return;
    this.#subscription = next;
    this.#host.send(docFrames.syncStep1(this.docId, target));
    this.#changed();
  }

  /** Ends the subscription (unload): our presence leaves with it. */
  unsubscribe(): void {
    if (!isLive(this.#subscription)) return;
    this.#presence.leave();
    this.#host.send(docFrames.unsubscribe(this.docId));
    this.#lose();
    this.#changed();
  }

  /** The socket is gone: every subscription ends; unacknowledged changes become unsent. */
  disconnected(): void {
    this.#lose();
    this.#changed();
  }

  handleSubscribed(access: DocAccess, limits?: DocLimits): void {
    // The plan's write limits (protocol 3), kept for the app to refuse first with words.
    if (limits) this.limits = limits;
    if (this.#subscription.kind === 'subscribed') {
      // A second `subscribed` on a live subscription announces changed access (role
      // changed, workspace suspended); a read-only one is followed by its reason.
      this.#setAccess(access);
      this.#changed();
      return;
    }
    const next = transition.confirmed(this.#subscription);
    if (!next) {
      this.#host.log('unexpected_subscribed', { docId: this.docId });
      return;
    }
    this.#subscription = next;
    this.#setAccess(access);
    this.#presence.announce();
    this.#changed();
  }

  handleDocFrame(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload);
    const yType = decoding.readVarUint(decoder);
    switch (yType) {
      case YMessageType.sync:
        this.#handleSync(decoder);
        break;
      case YMessageType.awareness:
        this.#presence.applyRemote(decoding.readVarUint8Array(decoder));
        break;
      case YMessageType.queryAwareness:
        this.#presence.answerQuery();
        break;
      default:
        this.#host.log('unknown_y_message', { docId: this.docId, yType });
    }
  }

  /** The plan's write limits the server sent with `subscribed`; null before (or an older server). */
  limits: DocLimits | null = null;

  handleAck(count: number): void {
    const queued = this.#pending.inFlight;
    if (!this.#pending.acked(count)) {
      this.#host.log('ack_mismatch', { docId: this.docId, count, queued });
    }
    if (this.#refetchWanted && this.pending === 0) this.refetchFromServer();
    this.#changed();
  }

  /**
   * Terms §4: the server now serves content this replica holds redacted (an entry was
   * re-enabled). Its items have the real ones' ids, so no state-vector exchange brings the
   * text: the replica is filled afresh from the server (the reset path, with nothing of ours
   * refused). Waits until the server has every change of ours, so none becomes a draft.
   */
  refetchFromServer(): void {
    if (this.#destroyed) return;
    if (this.pending > 0 || this.#reset) {
      this.#refetchWanted = true;
      return;
    }
    this.#refetchWanted = false;
    this.#host.log('refetch_redacted', { docId: this.docId });
    this.#startReset(DocErrorCode.contentDisabled, 'Re-enabled content.', [], false);
  }

  /**
   * Terms §4: the server refused a write of ours into a disabled entry (`content_disabled`
   * for a document that is not itself disabled). The document stays served; the refused
   * change is kept as a draft and the replica reset to the server's state.
   */
  handleRefusedWrite(code: DocErrorCode, message: string): void {
    this.#host.log('doc_error', { docId: this.docId, code, message });
    this.#startReset(code, message, [], true);
  }

  handleDocError(code: DocErrorCode, message: string, retryAfterMs?: number): void {
    this.#host.log('doc_error', { docId: this.docId, code, message });
    switch (code) {
      case DocErrorCode.invalidDocId:
      case DocErrorCode.notMember:
      case DocErrorCode.accessRevoked:
      case DocErrorCode.workspaceDeleted:
      case DocErrorCode.tooManyDocs:
      case DocErrorCode.contentDisabled: // until disabledItems no longer names the doc
        // Only the user can change these: no automatic resubscribe (see Subscription).
        this.#subscription = transition.refused(this.#subscription, { code, message });
        this.#lose();
        this.#settle.refused(new SyncError(code, message));
        this.#changed();
        return;
      case DocErrorCode.readOnlyRole:
      case DocErrorCode.workspaceReadOnly:
        this.#readOnlyBecause = code;
        // With nothing in flight this only announces read-only access: the replica
        // holds nothing the server lacks, so there is nothing to reset.
        if (this.#pending.inFlight === 0 && !this.#reset) this.#changed();
        else this.#startReset(code, message, [], true);
        return;
      // replica_too_old: this replica caught up last before the offline-replica limit; the
      // doc is reloaded from the server and what it wrote from then kept as a draft.
      case DocErrorCode.replicaTooOld:
      case DocErrorCode.updateTooLarge:
      case DocErrorCode.docTooLarge:
      case DocErrorCode.ticketLimit:
      case DocErrorCode.storageFull:
      case DocErrorCode.malformedUpdate:
        this.#startReset(code, message, [], true);
        return;
      case DocErrorCode.storageUnavailable:
      case DocErrorCode.rateLimited:
      case DocErrorCode.missingDependencies: {
        // rate_limited: too many updates too fast (SPEC LIMIT-9); nothing of the refused
        // update was stored, so it stays pending here and goes again after the server's delay.
        // missing_dependencies: the server lacks changes this update builds on (e.g. an
        // earlier update of ours refused for storage); the change itself is fine.
        // Subscribing again exchanges state vectors; our step 2 carries it all in order.
        // One refusal per update of the failed batch: the first one starts the retry.
        const next = transition.failed(this.#subscription, { code, message });
        if (!next) return;
        this.#subscription = next;
        this.#host.send(docFrames.unsubscribe(this.docId));
        this.#lose();
        this.#changed();
        this.#host.retryLater(this, code === DocErrorCode.rateLimited ? retryAfterMs : undefined);
        return;
      }
      default:
        assertNever(code, 'doc error');
    }
  }

  /** Unload: stop syncing, flush the store, free the doc. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.unsubscribe();
    this.#destroyed = true;
    this.#doc.off('update', this.#onDocUpdate);
    this.#presence.destroy();
    this.#settle.giveUp();
    await this.#local.close();
    this.#reset?.doc.destroy();
    this.#doc.destroy();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  async #load(): Promise<void> {
    await this.#host.loadReplicaAge?.(this.workspaceId);
    await this.#local.load(this.#doc);
    await this.#drafts.load();
    this.#loaded = true;
    this.#changed();
  }

  #setAccess(access: DocAccess): void {
    // Read access keeps a more precise reason the server gave (workspace_read_only).
    if (access === DocAccess.write) this.#readOnlyBecause = null;
    else this.#readOnlyBecause ??= DocErrorCode.readOnlyRole;
  }

  #handleSync(decoder: decoding.Decoder): void {
    const kind = decoding.readVarUint(decoder);
    const data = decoding.readVarUint8Array(decoder);
    switch (kind) {
      case syncProtocol.messageYjsSyncStep1:
        this.#answerServerStep1(data);
        break;
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        Y.applyUpdate(this.#reset?.doc ?? this.#doc, data, this);
        if (kind === syncProtocol.messageYjsSyncStep2) {
          const lastDue = step2Due(this.#subscription) === 1;
          this.#subscription = transition.step2Received(this.#subscription);
          // The server's whole state is in the reset's doc: it can take over.
          if (lastDue && this.#reset) this.#finishReset(this.#reset);
          if (lastDue && !this.#reset) this.#host.serverStateArrived?.(this);
        }
        this.#changed();
        break;
      }
      default:
        this.#host.log('unknown_sync_message', { docId: this.docId, kind });
    }
  }

  /** The server's state vector: send it everything it lacks (our step 2). */
  #answerServerStep1(stateVector: Uint8Array): void {
    // While a reset runs the new doc holds nothing of ours; the old one must not be sent.
    if (this.#reset) return;
    const update = Y.encodeStateAsUpdate(this.#doc, stateVector);
    // A read-only replica sends only when it holds offline edits the server lacks, so the
    // server answers with its refusal code and the usual draft + reset path runs.
    if (this.readOnly && !hasNewItems(update)) {
      this.#subscription = transition.ownStep2Sent(this.#subscription);
      return;
    }
    if (this.#host.send(docFrames.syncStep2(this.docId, update))) {
      this.#pending.step2Sent(update);
      this.#subscription = transition.ownStep2Sent(this.#subscription);
    }
    this.#changed();
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || this.#local.isStoreOrigin(origin)) return;
    this.#local.markDirty(true);
    if (this.#reset) {
      this.#reset.keep(update);
      return;
    }
    if (this.#readOnlyBecause) {
      // Refuse on the client first (DESIGN §4.4): never send what the server will refuse.
      this.#startReset(this.#readOnlyBecause, 'This document is read-only.', [update], false);
      return;
    }
    const sent =
      sendsEdits(this.#subscription) && this.#host.send(docFrames.update(this.docId, update));
    this.#pending.edited(update, sent, this.#host.clock.now());
    this.#changed();
  };

  #startReset(code: DocErrorCode, message: string, extra: Uint8Array[], fromServer: boolean) {
    if (this.#reset) {
      if (fromServer) this.#pending.refusedDuringReset();
      this.#reset.keep(...extra);
      return;
    }
    const refusedWork = [...this.#pending.takeForReset(fromServer), ...extra];
    const reset = new ReplicaReset({ code, message }, this.#host.clock.now(), refusedWork, {
      gc: this.#doc.gc,
    });
    this.#reset = reset;
    if (isLive(this.#subscription)) {
      // An empty state vector: the server answers with its whole state.
      this.#host.send(docFrames.syncStep1(this.docId, reset.doc));
      this.#subscription = transition.stateRequested(this.#subscription);
    }
    this.#changed();
  }

  #finishReset(reset: ReplicaReset): void {
    this.#reset = null;
    const draft = reset.finish();
    if (draft) this.#drafts.add(draft);
    const oldDoc = this.#doc;
    const oldAwareness = this.#presence.moveTo(reset.doc);
    oldDoc.off('update', this.#onDocUpdate);
    this.#doc = reset.doc;
    this.#doc.on('update', this.#onDocUpdate);
    // The new doc is the server's state: edits from here on build only on what it has.
    this.#subscription = transition.ownStep2Sent(this.#subscription);
    this.#local.replace(this.#doc, () => {
      oldAwareness.destroy();
      oldDoc.destroy();
    });
    for (const listener of [...this.#replacedListeners]) {
      listener({ doc: this.#doc, awareness: this.awareness });
    }
    this.#changed();
  }

  #lose(): void {
    this.#subscription = transition.lost(this.#subscription);
    this.#pending.connectionLost();
    this.#presence.dropOthers();
  }

  #changed(): void {
    if (this.isSettled) {
      this.#local.markDirty(false);
      this.#settle.settled();
    } else if (this.isBlocked) {
      this.#settle.giveUp();
    }
    this.#host.changed(this);
  }
}
