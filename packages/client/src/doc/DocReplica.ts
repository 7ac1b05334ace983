import { DocAccess, DocErrorCode, YMessageType } from '@desk/protocol';
import * as decoding from 'lib0/decoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Clock } from '../connection/Clock.ts';
import type { DocStatus } from '../status/SyncStatus.ts';
import type { DocBinding, LocalStore, RefusedChange } from '../store/LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from '../store/LocalStoreError.ts';
import { docFrames, hasNewItems, isEmptyUpdate } from './docFrames.ts';
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
  retryLater(replica: DocReplica): void;
  log(event: string, details: Record<string, unknown>): void;
}

/** A refused change being resolved: the replica is re-fetched from the server into `doc`. */
interface PendingReset {
  doc: Y.Doc;
  /** The refused update(s) and every local change made since, kept as the draft. */
  parts: Uint8Array[];
  code: DocErrorCode;
  message: string;
  at: number;
}

export interface ReplacedEvent {
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
}

/** Origin of awareness removals that must not be sent (the socket is gone anyway). */
const CONNECTION_LOST = Symbol('connection lost');

const SUBSCRIPTION_REFUSALS: ReadonlySet<DocErrorCode> = new Set([
  DocErrorCode.invalidDocId,
  DocErrorCode.notMember,
  DocErrorCode.accessRevoked,
  DocErrorCode.tooManyDocs,
]);

/**
 * One document's replica: the Y.Doc, its awareness, its local-store binding and the sync
 * state machine over the shared socket.
 *
 * Subscription: `subscribe` + sync step 1 (our state vector) → `subscribed` → the server's
 * step 1 (we answer with step 2: everything it lacks) and its step 2 (everything we lack).
 * Every step 2 and update we send is one entry of the pending queue; each `ack` pops
 * entries in send order. On a lost connection the queue is dropped: the next subscription's
 * step 2 carries the same content, so "unsaved" is re-derived from the state-vector exchange.
 *
 * Refused updates (DESIGN §4.4): Yjs cannot take back an applied update, so the replica is
 * rebuilt: a fresh Y.Doc is filled from the server (sync step 1 with an empty state vector
 * on the live subscription), the refused content minus what the server has becomes a draft
 * in `refused`, the local store is replaced with the server state, and `replaced` fires so
 * the UI rebinds to the new doc. Local edits made while the reset runs join the draft.
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
  #awareness: awarenessProtocol.Awareness;
  #binding: DocBinding | null = null;
  /** Store operations in order (a reset replaces the stored doc while it keeps changing). */
  #storeOps: Promise<void> = Promise.resolve();
  #loaded = false;
  #destroyed = false;

  #sub: 'idle' | 'subscribing' | 'subscribed' = 'idle';
  #access: DocAccess | null = null;
  /** The server refused an update for a read-only reason; holds that code. */
  #readOnlyCode: DocErrorCode | null = null;
  #hasServerState = false;
  #awaitingStep2 = 0;
  /** Sent, not yet acknowledged step 2s and updates, in send order. */
  #queue: Uint8Array[] = [];
  /** Local changes made while not subscribed; the next step 2 carries them. */
  #unsent = 0;
  /** When the oldest local change the server has not acknowledged was made (clock ms). */
  #unconfirmedSince: number | null = null;
  /** Acks still due for updates that were moved into a draft by a reset. */
  #discardAcks = 0;
  #reset: PendingReset | null = null;
  #error: { code: DocErrorCode; message: string } | null = null;
  /** A refusal that needs the user (not_member, access_revoked…): no automatic resubscribe. */
  #blocked = false;
  /** What the store's dirty flag is known to be; undefined until written by this replica. */
  #dirty: boolean | undefined;
  #refused: RefusedChange[] = [];
  /** The local store could not load or store this doc; null while it keeps up. */
  #localSaveError: LocalStoreError | null = null;

  #resolveSynced!: () => void;
  #rejectSynced!: (err: SyncError) => void;
  #synced = false;
  #settleWaiters: Array<(ok: boolean) => void> = [];
  readonly #replacedListeners = new Set<(event: ReplacedEvent) => void>();

  constructor(docId: string, workspaceId: string, host: ReplicaHost) {
    this.docId = docId;
    this.workspaceId = workspaceId;
    this.#host = host;
    this.#doc = new Y.Doc();
    this.#awareness = new awarenessProtocol.Awareness(this.#doc);
    // No presence until a handle is opened: a doc synced in the background is nobody's view.
    this.#awareness.setLocalState(null);
    this.#attach(this.#doc, this.#awareness);
    this.whenSynced = new Promise<void>((resolve, reject) => {
      this.#resolveSynced = resolve;
      this.#rejectSynced = reject;
    });
    // Nobody may be awaiting whenSynced; a refusal must not become an unhandled rejection.
    this.whenSynced.catch(() => undefined);
    this.whenLoaded = this.#load();
  }

  // ── state for handles and the client ──────────────────────────────────────────────────

  get doc(): Y.Doc {
    return this.#doc;
  }

  get awareness(): awarenessProtocol.Awareness {
    return this.#awareness;
  }

  get refused(): readonly RefusedChange[] {
    return this.#refused;
  }

  get readOnly(): boolean {
    return this.#access === DocAccess.read || this.#readOnlyCode !== null;
  }

  get pending(): number {
    return this.#queue.length + this.#unsent;
  }

  /**
   * When the oldest local change not yet acknowledged by the server was made (clock ms);
   * null when the server has every local change. Only edits count: a step 2 or catch-up
   * that carries nothing the user did is not "unsaved work".
   */
  get unconfirmedSince(): number | null {
    return this.#unconfirmedSince;
  }

  get isLoaded(): boolean {
    return this.#loaded;
  }

  get isSubscribed(): boolean {
    return this.#sub !== 'idle';
  }

  get isBlocked(): boolean {
    return this.#blocked;
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
    return this.#localSaveError !== null && (this.#dirty === true || this.isBusy);
  }

  get localSaveError(): LocalStoreError | null {
    return this.#localSaveError;
  }

  get isActive(): boolean {
    return this.refs > 0 || this.pins > 0;
  }

  /** Has the server's state, the server has all of ours, and no reset is running. */
  get isSettled(): boolean {
    return (
      this.#sub === 'subscribed' &&
      this.#hasServerState &&
      this.#reset === null &&
      this.pending === 0
    );
  }

  get status(): DocStatus {
    const saveError = this.#localSaveError;
    const base = {
      pending: this.pending,
      readOnly: this.readOnly,
      ...(saveError
        ? {
            localSave: 'failed' as const,
            localSaveError: { code: saveError.code, message: saveError.words },
          }
        : { localSave: 'ok' as const }),
    };
    if (this.#error) return { kind: 'error', ...base, error: { ...this.#error } };
    if (!this.#loaded) return { kind: 'loading', ...base };
    if (this.#sub === 'idle') return { kind: 'offline', ...base };
    return { kind: this.isSettled ? 'synced' : 'syncing', ...base };
  }

  /** Resolves true once settled, false on a refusal that blocks the doc. */
  waitSettled(): Promise<boolean> {
    if (this.isSettled) return Promise.resolve(true);
    if (this.#blocked || this.#destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.#settleWaiters.push(resolve));
  }

  onReplaced(listener: (event: ReplacedEvent) => void): () => void {
    this.#replacedListeners.add(listener);
    return () => this.#replacedListeners.delete(listener);
  }

  /** Forget drafts the user has exported or discarded. */
  dismissRefused(changes: readonly RefusedChange[]): void {
    const drop = new Set(changes);
    this.#refused = this.#refused.filter((change) => !drop.has(change));
    this.#saveDrafts();
    this.#changed();
  }

  /** After a blocking refusal: allow the next connection (or this one) to subscribe again. */
  unblock(): void {
    this.#blocked = false;
    this.#error = null;
    this.#changed();
  }

  // ── subscription ──────────────────────────────────────────────────────────────────────

  /** Subscribes on the ready connection: `subscribe` + our sync step 1. */
  subscribe(): void {
    if (this.#sub !== 'idle' || !this.#loaded || this.#destroyed) return;
    const target = this.#reset?.doc ?? this.#doc;
    if (!this.#host.send(docFrames.subscribe(this.docId))) return;
    this.#sub = 'subscribing';
    this.#hasServerState = false;
    this.#awaitingStep2 = 1;
    this.#host.send(docFrames.syncStep1(this.docId, target));
    this.#changed();
  }

  /** Ends the subscription (unload): our presence leaves with it. */
  unsubscribe(): void {
    if (this.#sub === 'idle') return;
    awarenessProtocol.removeAwarenessStates(this.#awareness, [this.#doc.clientID], 'unsubscribe');
    this.#host.send(docFrames.unsubscribe(this.docId));
    this.#lose();
    this.#changed();
  }

  /** The socket is gone: every subscription ends; unacknowledged changes become unsent. */
  disconnected(): void {
    this.#lose();
    this.#changed();
  }

  handleSubscribed(access: DocAccess): void {
    if (this.#sub === 'subscribed') {
      // A second `subscribed` on a live subscription announces changed access (role
      // changed, workspace suspended); a read-only one is followed by its reason.
      this.#access = access;
      if (access === DocAccess.write) this.#readOnlyCode = null;
      this.#changed();
      return;
    }
    if (this.#sub !== 'subscribing') {
      this.#host.log('unexpected_subscribed', { docId: this.docId });
      return;
    }
    this.#sub = 'subscribed';
    this.#access = access;
    if (access === DocAccess.write) this.#readOnlyCode = null;
    this.#error = null;
    if (this.#awareness.getLocalState() !== null) {
      this.#sendAwareness([this.#doc.clientID]);
    }
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
        awarenessProtocol.applyAwarenessUpdate(
          this.#awareness,
          decoding.readVarUint8Array(decoder),
          this,
        );
        break;
      case YMessageType.queryAwareness:
        this.#sendAwareness([...this.#awareness.getStates().keys()]);
        break;
      default:
        this.#host.log('unknown_y_message', { docId: this.docId, yType });
    }
  }

  handleAck(count: number): void {
    let remaining = count;
    const discarded = Math.min(this.#discardAcks, remaining);
    this.#discardAcks -= discarded;
    remaining -= discarded;
    if (remaining > this.#queue.length) {
      // The server acknowledged more than we sent: a protocol mismatch, not fatal. The next
      // subscription re-derives the truth from the state vectors.
      this.#host.log('ack_mismatch', { docId: this.docId, count, queued: this.#queue.length });
    }
    this.#queue.splice(0, remaining);
    this.#changed();
  }

  handleDocError(code: DocErrorCode, message: string): void {
    this.#host.log('doc_error', { docId: this.docId, code, message });
    if (SUBSCRIPTION_REFUSALS.has(code)) {
      this.#error = { code, message };
      this.#blocked = true;
      this.#lose();
      if (!this.#synced) this.#rejectSynced(new SyncError(code, message));
      this.#changed();
      return;
    }
    switch (code) {
      case DocErrorCode.readOnlyRole:
      case DocErrorCode.workspaceReadOnly:
        this.#readOnlyCode = code;
        // With nothing in flight this only announces read-only access: the replica
        // holds nothing the server lacks, so there is nothing to reset.
        if (this.#queue.length === 0 && !this.#reset) this.#changed();
        else this.#startReset(code, message, [], true);
        return;
      case DocErrorCode.updateTooLarge:
      case DocErrorCode.docTooLarge:
      case DocErrorCode.malformedUpdate:
        this.#startReset(code, message, [], true);
        return;
      case DocErrorCode.storageUnavailable:
      case DocErrorCode.missingDependencies:
        // missing_dependencies: the server lacks changes this update builds on (e.g. an
        // earlier update of ours refused for storage); the change itself is fine.
        // Subscribing again exchanges state vectors; our step 2 carries it all in order.
        // One refusal per update of the failed batch: the first one starts the retry.
        if (this.#sub === 'idle') return;
        this.#error = { code, message };
        this.#host.send(docFrames.unsubscribe(this.docId));
        this.#lose();
        this.#changed();
        this.#host.retryLater(this);
        return;
      case DocErrorCode.invalidDocId:
      case DocErrorCode.notMember:
      case DocErrorCode.accessRevoked:
      case DocErrorCode.tooManyDocs:
        return; // handled above
      default:
        assertNever(code);
    }
  }

  /** Unload: stop syncing, flush the store, free the doc. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.unsubscribe();
    this.#destroyed = true;
    this.#detach(this.#doc, this.#awareness);
    this.#awareness.destroy();
    for (const resolve of this.#settleWaiters.splice(0)) resolve(false);
    await this.#storeOps;
    await this.#binding?.destroy().catch((err: unknown) => {
      this.#host.log('store_close_failed', { docId: this.docId, error: String(err) });
    });
    this.#binding = null;
    this.#reset?.doc.destroy();
    this.#doc.destroy();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  async #load(): Promise<void> {
    try {
      this.#binding = this.#bind(this.#doc);
      await this.#binding.whenLoaded;
    } catch (err) {
      // Without a local copy the doc still syncs from the server; an empty replica merges
      // into the server's state and never overwrites it, so this is degraded, not unsafe.
      // But nothing of it is stored here: the status says so while the replica lives.
      this.#host.log('local_load_failed', { docId: this.docId, error: String(err) });
      this.#localSaveFailed(asLocalStoreError(err, LocalStoreErrorCode.loadFailed, this.docId));
    }
    try {
      this.#refused = await this.#host.store.getDrafts(this.docId);
    } catch (err) {
      this.#host.log('local_drafts_failed', { docId: this.docId, error: String(err) });
    }
    this.#loaded = true;
    this.#changed();
  }

  /** Binds a doc to the store, following its write failures while it is the current one. */
  #bind(doc: Y.Doc): DocBinding {
    const binding = this.#host.store.bind(this.docId, doc);
    binding.onWriteError((error) => {
      if (this.#binding !== binding || this.#destroyed) return;
      if (error) this.#localSaveFailed(error);
      else this.#localSaveWorks();
    });
    return binding;
  }

  #localSaveFailed(error: LocalStoreError): void {
    // Logged once per failure, not once per keystroke while it lasts.
    if (this.#localSaveError === null) {
      this.#host.log('local_save_failed', { docId: this.docId, error: error.message });
    }
    this.#localSaveError = error;
    this.#changed();
  }

  #localSaveWorks(): void {
    if (this.#localSaveError === null) return;
    this.#localSaveError = null;
    this.#host.log('local_save_recovered', { docId: this.docId });
    this.#changed();
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
        const target = this.#reset?.doc ?? this.#doc;
        Y.applyUpdate(target, data, this);
        if (kind === syncProtocol.messageYjsSyncStep2 && this.#awaitingStep2 > 0) {
          this.#awaitingStep2--;
          if (this.#awaitingStep2 === 0) {
            this.#hasServerState = true;
            if (this.#reset) this.#finishReset();
          }
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
    if (this.readOnly && !hasNewItems(update)) return;
    if (this.#host.send(docFrames.syncStep2(this.docId, update))) {
      this.#queue.push(update);
      this.#unsent = 0;
    }
    this.#changed();
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || (this.#binding !== null && origin === this.#binding.origin)) return;
    this.#markDirty(true);
    if (this.#reset) {
      this.#reset.parts.push(update);
      return;
    }
    if (this.readOnly) {
      // Refuse on the client first (DESIGN §4.4): never send what the server will refuse.
      this.#startReset(
        this.#readOnlyCode ?? DocErrorCode.readOnlyRole,
        'This document is read-only.',
        [update],
        false,
      );
      return;
    }
    if (this.#sub === 'subscribed' && this.#host.send(docFrames.update(this.docId, update))) {
      this.#queue.push(update);
    } else {
      this.#unsent++;
    }
    this.#unconfirmedSince ??= this.#host.clock.now();
    this.#changed();
  };

  readonly #onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this || origin === CONNECTION_LOST) return;
    this.#sendAwareness([...added, ...updated, ...removed]);
  };

  #sendAwareness(clients: number[]): void {
    if (this.#sub !== 'subscribed' || clients.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, clients);
    this.#host.send(docFrames.awareness(this.docId, update));
  }

  #startReset(code: DocErrorCode, message: string, extra: Uint8Array[], fromServer: boolean) {
    if (this.#reset) {
      // Another refusal of an update sent before the reset: one ack fewer is still due.
      if (fromServer) this.#discardAcks = Math.max(0, this.#discardAcks - 1);
      this.#reset.parts.push(...extra);
      return;
    }
    const parts = [...this.#queue, ...extra];
    // Of the queued updates, the refused one is never acked; the others may still be.
    this.#discardAcks = fromServer ? Math.max(0, this.#queue.length - 1) : this.#queue.length;
    this.#queue = [];
    this.#unsent = 0;
    const doc = new Y.Doc({ gc: this.#doc.gc });
    this.#reset = { doc, parts, code, message, at: this.#host.clock.now() };
    if (this.#sub !== 'idle') {
      // An empty state vector: the server answers with its whole state.
      this.#host.send(docFrames.syncStep1(this.docId, doc));
      this.#awaitingStep2++;
      this.#hasServerState = false;
    }
    this.#changed();
  }

  #finishReset(): void {
    const reset = this.#reset;
    if (!reset) return;
    this.#reset = null;
    if (reset.parts.length > 0) {
      const draft = Y.diffUpdate(Y.mergeUpdates(reset.parts), Y.encodeStateVector(reset.doc));
      if (!isEmptyUpdate(draft)) {
        this.#refused = [
          ...this.#refused,
          { code: reset.code, message: reset.message, update: draft, at: reset.at },
        ];
        this.#saveDrafts();
      }
    }
    const oldDoc = this.#doc;
    const oldAwareness = this.#awareness;
    const oldBinding = this.#binding;
    const localState = oldAwareness.getLocalState();
    // Our old client id leaves the room; the new doc has a new one (reusing it would let
    // the draft's items collide with new ones at the same clocks).
    awarenessProtocol.removeAwarenessStates(oldAwareness, [oldDoc.clientID], 'reset');
    this.#detach(oldDoc, oldAwareness);
    this.#doc = reset.doc;
    this.#awareness = new awarenessProtocol.Awareness(reset.doc);
    this.#binding = null;
    this.#attach(this.#doc, this.#awareness);
    if (localState !== null) this.#awareness.setLocalState(localState);
    const newDoc = this.#doc;
    this.#storeOps = this.#storeOps
      .then(async () => {
        // What the old binding failed to store is replaced below anyway: not a reason to
        // leave the new doc unstored.
        await oldBinding?.destroy().catch((err: unknown) => {
          this.#host.log('store_close_failed', { docId: this.docId, error: String(err) });
        });
        await this.#host.store.deleteDoc(this.docId);
        if (this.#destroyed) return;
        // Binding stores the new doc's whole state, including changes made meanwhile: what
        // the old doc failed to store no longer matters. Cleared before binding, so a
        // failing write of the new doc, reported later, is not cleared by mistake.
        this.#localSaveWorks();
        this.#binding = this.#bind(newDoc);
        await this.#binding.whenLoaded;
      })
      .catch((err: unknown) => {
        this.#host.log('local_reset_failed', { docId: this.docId, error: String(err) });
        if (this.#destroyed) return;
        this.#localSaveFailed(asLocalStoreError(err, LocalStoreErrorCode.writeFailed, this.docId));
      })
      .finally(() => {
        oldAwareness.destroy();
        oldDoc.destroy();
      });
    for (const listener of [...this.#replacedListeners]) {
      listener({ doc: this.#doc, awareness: this.#awareness });
    }
    this.#changed();
  }

  #lose(): void {
    this.#sub = 'idle';
    this.#hasServerState = false;
    this.#awaitingStep2 = 0;
    this.#unsent += this.#queue.length;
    this.#queue = [];
    this.#discardAcks = 0;
    const others = [...this.#awareness.getStates().keys()].filter(
      (client) => client !== this.#doc.clientID,
    );
    awarenessProtocol.removeAwarenessStates(this.#awareness, others, CONNECTION_LOST);
  }

  #attach(doc: Y.Doc, awareness: awarenessProtocol.Awareness): void {
    doc.on('update', this.#onDocUpdate);
    awareness.on('update', this.#onAwarenessUpdate);
  }

  #detach(doc: Y.Doc, awareness: awarenessProtocol.Awareness): void {
    doc.off('update', this.#onDocUpdate);
    awareness.off('update', this.#onAwarenessUpdate);
  }

  #markDirty(dirty: boolean): void {
    if (this.#dirty === dirty) return;
    this.#dirty = dirty;
    this.#host.store.setDirty(this.docId, dirty).catch((err: unknown) => {
      this.#host.log('local_dirty_failed', { docId: this.docId, error: String(err) });
    });
  }

  #saveDrafts(): void {
    this.#host.store.setDrafts(this.docId, this.#refused).catch((err: unknown) => {
      this.#host.log('local_drafts_failed', { docId: this.docId, error: String(err) });
    });
  }

  #changed(): void {
    if (this.pending === 0) this.#unconfirmedSince = null;
    if (this.isSettled) {
      this.#markDirty(false);
      if (!this.#synced) {
        this.#synced = true;
        this.#resolveSynced();
      }
      for (const resolve of this.#settleWaiters.splice(0)) resolve(true);
    } else if (this.#blocked) {
      for (const resolve of this.#settleWaiters.splice(0)) resolve(false);
    }
    this.#host.changed(this);
  }
}

function asLocalStoreError(
  err: unknown,
  code: LocalStoreErrorCode,
  docId: string,
): LocalStoreError {
  return err instanceof LocalStoreError ? err : new LocalStoreError(code, docId, err);
}

function assertNever(value: never): never {
  throw new Error(`unhandled doc error ${String(value)}`);
}
