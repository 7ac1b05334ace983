import { assertNever, DocErrorCode, docItemKey, MessageType, parseDocId } from '@desk/protocol';
import type { DisabledItemsMessage, ServerMessage, WelcomeMessage } from '@desk/protocol';
import { CatchUp } from './catchup/CatchUp.ts';
import { ReplicaAges } from './catchup/ReplicaAges.ts';
import { Replication } from './catchup/Replication.ts';
import { Backoff } from './connection/Backoff.ts';
import type { BackoffOptions } from './connection/Backoff.ts';
import { systemClock } from './connection/Clock.ts';
import type { Clock } from './connection/Clock.ts';
import { Connection } from './connection/Connection.ts';
import type { WebSocketConstructor } from './connection/WebSocketLike.ts';
import { DocHandle } from './doc/DocHandle.ts';
import { DocReplica } from './doc/DocReplica.ts';
import { holdsStaleRedaction } from './doc/redactedEntries.ts';
import { Listeners } from './status/Listeners.ts';
import { sameSyncStatus } from './status/SyncStatus.ts';
import type { SyncStatus } from './status/SyncStatus.ts';
import { IndexedDbStore } from './store/IndexedDbStore.ts';
import type { LocalStore } from './store/LocalStore.ts';
import type { LocalStoreError } from './store/LocalStoreError.ts';
import { MemoryStore } from './store/MemoryStore.ts';

export interface SyncClientOptions {
  /** WebSocket URL of `/sync` (with `?token=` for tools), or a function giving it. */
  url: string | (() => string | Promise<string>);
  /** Local persistence. @default IndexedDbStore when `indexedDB` exists, else MemoryStore */
  store?: LocalStore;
  /** WebSocket constructor (pass `ws` in Node 20). @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Reconnect backoff (jittered, exponential, capped). */
  backoff?: BackoffOptions;
  /** A connection up this long resets the backoff. @default 10000 ms */
  stableAfterMs?: number;
  /** A socket without a welcome after this long is closed and retried. @default 15000 ms */
  welcomeTimeoutMs?: number;
  /**
   * How long a doc stays subscribed after its last handle is released, so navigating
   * back and forth does not churn subscriptions.
   * @default 3000 ms
   */
  releaseGraceMs?: number;
  /** Docs synced at once by catch-up. @default 16 */
  catchUpConcurrency?: number;
  /**
   * Bound on the bytes held for first-sync messages still arriving in pieces (docChunk).
   * @default 1 GiB
   */
  maxReassemblyBytes?: number;
  /**
   * Heartbeat: a `ping` this often while connected (to servers of protocol ≥ 2); 0 turns it
   * off. @default 5000 ms
   */
  heartbeatIntervalMs?: number;
  /**
   * No frame from the server this long after a ping: the socket is abandoned and the client
   * reconnects with backoff (a half-open network). @default 5000 ms
   */
  heartbeatTimeoutMs?: number;
  /**
   * A local edit unacknowledged this long on the current connection makes the status
   * `unconfirmed` and pings the server at once. @default 3000 ms
   */
  unconfirmedAfterMs?: number;
  /**
   * Where the browser's `online` and `offline` events (and `navigator.onLine`) come from.
   * @default window (none in Node); tests pass an EventTarget.
   */
  networkEvents?: NetworkEvents | null;
  clock?: Clock;
  /** Diagnostics (refusals, mismatches, reconnects). @default none */
  log?: (event: string, details: Record<string, unknown>) => void;
}

/** The part of `window` the client listens to for `online` and `offline`. */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
  /**
   * Whether the device has a network (`navigator.onLine`): while not, the client makes no
   * connection attempt and waits for `online`. Absent: assumed online.
   */
  isOnline?(): boolean;
}

export interface ReplicateOptions {
  /** Docs synced at once. @default 8 */
  concurrency?: number;
  /**
   * Awaited before each doc is started, so background replication can yield to the user
   * (the browser waits until typing pauses). Docs already syncing finish meanwhile.
   * @default none: the next doc starts at once
   */
  beforeEachDoc?: () => Promise<void>;
}

/**
 * The one sync connection of a tab: any number of docs over one socket, subscribed on
 * demand, persisted locally, caught up in proportion to change after every reconnect.
 *
 * `client.subscribe(listener)` follows the Svelte store contract for the overall status.
 */
export class SyncClient {
  readonly store: LocalStore;
  readonly #clock: Clock;
  readonly #connection: Connection;
  readonly #catchUp: CatchUp;
  readonly #replicaAges: ReplicaAges;
  readonly #replicas = new Map<string, DocReplica>();
  readonly #handles = new Map<DocReplica, Set<DocHandle>>();
  readonly #listeners = new Listeners<SyncStatus>();
  readonly #disabledItemsListeners = new Set<(message: DisabledItemsMessage) => void>();
  /** Terms §4: each workspace's disabled item keys, as the server's last list said. */
  readonly #disabled = new Map<string, ReadonlySet<string>>();
  readonly #releaseGraceMs: number;
  readonly #catchUpConcurrency: number;
  readonly #backoffOptions: BackoffOptions;
  readonly #log: (event: string, details: Record<string, unknown>) => void;
  readonly #retryBackoff = new Map<DocReplica, Backoff>();
  readonly #replications = new Set<Replication>();
  #lastStatus: SyncStatus;
  #notifyScheduled = false;
  #closed = false;
  #generation: string | null = null;
  #removeNetworkListeners: (() => void) | null = null;
  readonly #unconfirmedAfterMs: number;
  /** Fires when the oldest unacknowledged edit becomes `unconfirmed`. */
  #unconfirmedTimer: unknown = null;

  constructor(options: SyncClientOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#releaseGraceMs = options.releaseGraceMs ?? 3000;
    this.#catchUpConcurrency = options.catchUpConcurrency ?? 16;
    this.#unconfirmedAfterMs = options.unconfirmedAfterMs ?? 3000;
    this.#backoffOptions = options.backoff ?? {};
    this.#log = options.log ?? (() => undefined);
    this.store = options.store ?? defaultStore();
    this.#replicaAges = new ReplicaAges(this.store, this.#log);
    const WebSocketCtor = options.WebSocket ?? defaultWebSocket();
    const network =
      options.networkEvents === undefined ? defaultNetworkEvents() : options.networkEvents;
    const isOnline = network?.isOnline?.bind(network);
    this.#connection = new Connection({
      url: options.url,
      WebSocket: WebSocketCtor,
      clock: this.#clock,
      backoff: this.#backoffOptions,
      ...(options.stableAfterMs === undefined ? {} : { stableAfterMs: options.stableAfterMs }),
      ...(options.welcomeTimeoutMs === undefined
        ? {}
        : { welcomeTimeoutMs: options.welcomeTimeoutMs }),
      ...(options.maxReassemblyBytes === undefined
        ? {}
        : { maxReassemblyBytes: options.maxReassemblyBytes }),
      ...(options.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
      ...(options.heartbeatTimeoutMs === undefined
        ? {}
        : { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
      ...(isOnline === undefined ? {} : { isOnline }),
      onReady: (welcome) => this.#onReady(welcome),
      onMessage: (message) => this.#onMessage(message),
      onDown: () => this.#onDown(),
      onStateChange: () => this.#scheduleNotify(),
      onLog: this.#log,
    });
    this.#catchUp = new CatchUp({
      store: this.store,
      send: (frame) => this.#connection.send(frame),
      epoch: () => this.#connection.epoch,
      loadedDocIds: () => this.#replicas.keys(),
      syncInBackground: (docIds) =>
        this.#replicate(docIds, this.#catchUpConcurrency, false).finished,
      caughtUp: (workspaceId, serverTime) => this.#replicaAges.stamp(workspaceId, serverTime),
      changed: () => this.#scheduleNotify(),
      log: this.#log,
    });
    this.#lastStatus = this.status;
    this.#listenForNetwork(network);
    this.#connection.start();
  }

  // ── public API ────────────────────────────────────────────────────────────────────────

  /** Opens (or shares) a doc. Throws on an invalid doc id. Release the handle when done. */
  open(docId: string): DocHandle {
    if (this.#closed) throw new Error('SyncClient is closed');
    const replica = this.#acquire(docId);
    replica.refs++;
    // Present while open (y-websocket's default state `{}`), so setLocalStateField works.
    if (replica.awareness.getLocalState() === null) replica.awareness.setLocalState({});
    const handle: DocHandle = new DocHandle(replica, {
      release: () => this.#releaseHandle(replica, handle),
      retry: () => this.#retry(replica),
    });
    let handles = this.#handles.get(replica);
    if (!handles) {
      handles = new Set();
      this.#handles.set(replica, handles);
    }
    handles.add(handle);
    return handle;
  }

  /**
   * Syncs `docIds` into the local store in the background (open docs are untouched), e.g.
   * to hold a whole workspace offline. Progress through `subscribe`; `finished` resolves
   * when every doc is in sync or refused.
   */
  replicate(docIds: readonly string[], options: ReplicateOptions = {}): Replication {
    return this.#replicate(docIds, options.concurrency ?? 8, true, options.beforeEachDoc);
  }

  get status(): SyncStatus {
    const state = this.#connection.state;
    let syncingDocs = 0;
    let pendingUpdates = 0;
    // A blocked doc (access refused) keeps its unsaved count but is not "syncing": nothing
    // will happen until the user acts, and the overall state must still reach `synced`.
    let blockedPending = 0;
    let firstSaveError: LocalStoreError | null = null;
    let failedSaves = 0;
    let unconfirmedSince: number | undefined;
    for (const replica of this.#replicas.values()) {
      pendingUpdates += replica.pending;
      if (replica.isBlocked) blockedPending += replica.pending;
      // A blocked doc's changes wait for the user, not for the server: shown as its error.
      const since = replica.isBlocked ? null : replica.unconfirmedSince;
      if (since !== null && (unconfirmedSince === undefined || since < unconfirmedSince)) {
        unconfirmedSince = since;
      }
      if (replica.isSubscribed && !replica.isSettled) syncingDocs++;
      if (replica.localSaveError) {
        failedSaves++;
        firstSaveError ??= replica.localSaveError;
      }
    }
    const offlineSince = this.#connection.offlineSince;
    const waitingSince = this.#waitingSince(unconfirmedSince);
    const base = {
      syncingDocs,
      pendingUpdates,
      unconfirmed:
        waitingSince !== null && this.#clock.now() - waitingSince >= this.#unconfirmedAfterMs,
      ...(unconfirmedSince === undefined ? {} : { unconfirmedSince }),
      ...(offlineSince === undefined ? {} : { offlineSince }),
      ...(firstSaveError
        ? {
            localSave: 'failed' as const,
            localSaveError: {
              code: firstSaveError.code,
              message: firstSaveError.words,
              docs: failedSaves,
            },
          }
        : { localSave: 'ok' as const }),
    };
    switch (state.kind) {
      case 'connecting':
        return { kind: 'connecting', ...base };
      case 'waiting':
        return state.retryAt === undefined
          ? { kind: 'offline', ...base }
          : { kind: 'offline', ...base, nextRetryAt: state.retryAt };
      case 'stopped':
        return state.error
          ? { kind: 'error', ...base, error: { ...state.error } }
          : { kind: 'offline', ...base };
      case 'ready':
        return {
          kind:
            syncingDocs > 0 || pendingUpdates > blockedPending || this.#catchUp.isRunning
              ? 'syncing'
              : 'synced',
          ...base,
        };
      default:
        return assertNever(state, 'connection state');
    }
  }

  /** Local changes not yet acknowledged by the server, over every loaded doc. */
  get pendingCount(): number {
    return this.status.pendingUpdates;
  }

  /** The server's store generation from the last welcome (null before the first). */
  get generation(): string | null {
    return this.#generation;
  }

  /** Svelte store contract: called now and on every status change; returns unsubscribe. */
  subscribe(listener: (status: SyncStatus) => void): () => void {
    return this.#listeners.subscribe(() => this.status, listener);
  }

  /**
   * Terms §4: called with every `disabledItems` message (protocol 4) — the whole list of one
   * workspace's disabled items, sent after the connection's first subscription in it and on
   * every change. The app hides what it names and keeps the list with its local copy. A doc
   * refused with `content_disabled` that the new list no longer names is subscribed again
   * here. Returns the unsubscribe function.
   */
  onDisabledItems(listener: (message: DisabledItemsMessage) => void): () => void {
    this.#disabledItemsListeners.add(listener);
    return () => {
      this.#disabledItemsListeners.delete(listener);
    };
  }

  /** Connect now: skip the backoff delay, or retry after a final error (e.g. signed in again). */
  reconnect(): void {
    if (!this.#closed) this.#connection.connectNow();
  }

  /**
   * Goes offline on purpose: closes the socket and does not reconnect until `reconnect()`.
   * Docs stay open and editable (a "work offline" switch; tests use it for random
   * disconnects).
   */
  disconnect(): void {
    if (!this.#closed) this.#connection.stop();
  }

  /** Closes the socket and unloads every doc (local writes are flushed first). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeNetworkListeners?.();
    if (this.#unconfirmedTimer !== null) this.#clock.clearTimeout(this.#unconfirmedTimer);
    this.#unconfirmedTimer = null;
    for (const replication of this.#replications) replication.cancel();
    this.#connection.stop();
    const replicas = [...this.#replicas.values()];
    this.#replicas.clear();
    await Promise.all(
      replicas.map((replica) => {
        this.#clearReleaseTimer(replica);
        return replica.destroy();
      }),
    );
    await this.store.close();
    this.#listeners.clear();
    this.#disabledItemsListeners.clear();
  }

  // ── replicas ──────────────────────────────────────────────────────────────────────────

  #acquire(docId: string): DocReplica {
    const parsed = parseDocId(docId);
    if (!parsed) throw new Error(`Not a valid document id: ${docId}`);
    let replica = this.#replicas.get(docId);
    if (!replica) {
      const created = new DocReplica(docId, parsed.workspaceId, {
        store: this.store,
        clock: this.#clock,
        send: (frame) => this.#connection.send(frame),
        changed: (r) => this.#replicaChanged(r),
        retryLater: (r, afterMs) => this.#retryLater(r, afterMs),
        log: this.#log,
        serverStateArrived: (r) => this.#checkRedaction(r),
        loadReplicaAge: (workspaceId) => this.#replicaAges.load(workspaceId),
        replicaSyncedAt: (workspaceId) => this.#replicaAges.syncedAt(workspaceId),
      });
      replica = created;
      this.#replicas.set(docId, created);
      void created.whenLoaded.then(() => this.#maybeSubscribe(created));
    }
    this.#clearReleaseTimer(replica);
    return replica;
  }

  #maybeSubscribe(replica: DocReplica): void {
    if (
      this.#connection.isReady &&
      this.#replicas.get(replica.docId) === replica &&
      // A doc kept loaded for its unsaved changes syncs them even though nobody uses it.
      (replica.isActive || replica.holdsUnsavedWork) &&
      replica.isLoaded &&
      !replica.isBlocked &&
      !replica.isSubscribed
    ) {
      replica.subscribe();
    }
  }

  #releaseHandle(replica: DocReplica, handle: DocHandle): void {
    this.#handles.get(replica)?.delete(handle);
    replica.refs = Math.max(0, replica.refs - 1);
    // Presence says who is looking at the doc: it ends with the last handle, not after the
    // grace period that only saves a re-subscription.
    if (replica.refs === 0) replica.awareness.setLocalState(null);
    this.#scheduleRelease(replica, this.#releaseGraceMs);
  }

  #scheduleRelease(replica: DocReplica, graceMs: number): void {
    if (replica.isActive || replica.releaseTimer !== null) return;
    replica.releaseTimer = this.#clock.setTimeout(() => {
      replica.releaseTimer = null;
      this.#unloadIfIdle(replica);
    }, graceMs);
  }

  #clearReleaseTimer(replica: DocReplica): void {
    if (replica.releaseTimer !== null) this.#clock.clearTimeout(replica.releaseTimer);
    replica.releaseTimer = null;
  }

  /**
   * Unloads a doc nobody uses. While connected, a doc with unacknowledged changes (or a
   * reset in progress) stays subscribed until the server is done (checked again on every
   * change); offline it unloads at once: its dirty flag makes the next catch-up push the
   * changes (and a refused one is refused again, then kept as a draft). Except when its
   * local save failed: then its changes are only in memory, and it stays loaded until the
   * server has them (checked again on every change).
   */
  #unloadIfIdle(replica: DocReplica): void {
    if (replica.isActive || this.#replicas.get(replica.docId) !== replica) return;
    if (replica.holdsUnsavedWork) return;
    if (this.#connection.isReady && replica.isSubscribed && replica.isBusy) return;
    this.#replicas.delete(replica.docId);
    this.#handles.delete(replica);
    this.#retryBackoff.delete(replica);
    void replica.destroy();
    this.#scheduleNotify();
  }

  #replicaChanged(replica: DocReplica): void {
    for (const handle of this.#handles.get(replica) ?? []) handle.notify();
    if (!replica.isActive && replica.releaseTimer === null && !replica.isBusy) {
      this.#unloadIfIdle(replica);
    }
    if (replica.isSettled) this.#retryBackoff.delete(replica);
    this.#scheduleNotify();
  }

  #retry(replica: DocReplica): void {
    replica.unblock();
    this.#maybeSubscribe(replica);
  }

  /**
   * storage_unavailable: the server asked us to come back later; per-doc backoff.
   * rate_limited: the server said when (`afterMs`), and that wait is used as it is.
   */
  #retryLater(replica: DocReplica, afterMs?: number): void {
    let backoff = this.#retryBackoff.get(replica);
    if (!backoff) {
      backoff = new Backoff(this.#backoffOptions);
      this.#retryBackoff.set(replica, backoff);
    }
    this.#clock.setTimeout(() => {
      if (this.#replicas.get(replica.docId) !== replica) return;
      replica.unblock();
      this.#maybeSubscribe(replica);
    }, afterMs ?? backoff.next());
  }

  #replicate(
    docIds: readonly string[],
    concurrency: number,
    validate: boolean,
    beforeEachDoc?: () => Promise<void>,
  ): Replication {
    if (validate) {
      for (const docId of docIds) {
        if (!parseDocId(docId)) throw new Error(`Not a valid document id: ${docId}`);
      }
    }
    if (validate && this.#connection.isReady) {
      const workspaces = docIds.map((docId) => parseDocId(docId)?.workspaceId ?? '');
      void this.#catchUp.ensureStarted(workspaces.filter(Boolean));
    }
    const replication = new Replication(
      docIds,
      concurrency,
      (docId) => this.#syncOnce(docId),
      beforeEachDoc,
    );
    this.#replications.add(replication);
    void replication.finished.then(() => this.#replications.delete(replication));
    return replication;
  }

  /** Loads, syncs both ways and unloads one doc (unless something else holds it). */
  async #syncOnce(docId: string): Promise<boolean> {
    if (this.#closed) return false;
    const replica = this.#acquire(docId);
    replica.pins++;
    try {
      await replica.whenLoaded;
      this.#maybeSubscribe(replica);
      return await replica.waitSettled();
    } finally {
      replica.pins--;
      if (!this.#closed) this.#scheduleRelease(replica, 0);
    }
  }

  // ── connection events ─────────────────────────────────────────────────────────────────

  #onReady(welcome: WelcomeMessage): void {
    this.#generation = welcome.generation;
    // Docs in use are always re-subscribed; catch-up decides about the others.
    for (const replica of this.#replicas.values()) this.#maybeSubscribe(replica);
    void this.#catchUp.start();
    this.#scheduleNotify();
  }

  #onDown(): void {
    this.#catchUp.reset();
    for (const replica of [...this.#replicas.values()]) {
      replica.disconnected();
      if (!replica.isActive && replica.releaseTimer === null) this.#unloadIfIdle(replica);
    }
    this.#scheduleNotify();
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case MessageType.doc:
        this.#replicaFor(message.docId)?.handleDocFrame(message.payload);
        break;
      case MessageType.subscribed:
        this.#replicaFor(message.docId)?.handleSubscribed(message.access, message.limits);
        break;
      case MessageType.docError: {
        const replica = this.#replicas.get(message.docId);
        if (replica && this.#isRefusedEntryWrite(replica, message.code)) {
          replica.handleRefusedWrite(message.code, message.message);
        } else if (replica) {
          replica.handleDocError(message.code, message.message, message.retryAfterMs);
        } else if (!this.#catchUp.refused(message.docId)) {
          this.#log('frame_for_unloaded_doc', { docId: message.docId, code: message.code });
        }
        break;
      }
      case MessageType.ack:
        this.#replicaFor(message.docId)?.handleAck(message.count);
        break;
      case MessageType.catchUpResult:
        void this.#catchUp.handleResult(message);
        break;
      case MessageType.disabledItems:
        this.#onDisabledItems(message);
        break;
      case MessageType.welcome:
      case MessageType.error:
      case MessageType.docChunk:
      case MessageType.pong:
        break; // handled by the connection (pieces arrive reassembled, as doc messages)
      default:
        assertNever(message, 'server message');
    }
  }

  /**
   * `content_disabled` on a live subscription of a document the workspace's list does not
   * name (the server sends the list first): a write into a disabled entry, not the end of
   * the document.
   */
  #isRefusedEntryWrite(replica: DocReplica, code: DocErrorCode): boolean {
    if (code !== DocErrorCode.contentDisabled || !replica.isSubscribed) return false;
    const workspaceId = parseDocId(replica.docId)?.workspaceId;
    const disabled = workspaceId === undefined ? undefined : this.#disabled.get(workspaceId);
    return disabled !== undefined && !disabled.has(docItemKey(replica.docId));
  }

  /** Terms §4: a replica served redacted content that is no longer disabled is refetched. */
  #checkRedaction(replica: DocReplica): void {
    const workspaceId = parseDocId(replica.docId)?.workspaceId;
    const disabled = workspaceId === undefined ? undefined : this.#disabled.get(workspaceId);
    if (disabled && holdsStaleRedaction(replica.docId, replica.doc, disabled)) {
      replica.refetchFromServer();
    }
  }

  #onDisabledItems(message: DisabledItemsMessage): void {
    const disabled = new Set(message.items.map((item) => item.itemKey));
    this.#disabled.set(message.workspaceId, disabled);
    for (const replica of this.#replicas.values()) {
      if (parseDocId(replica.docId)?.workspaceId === message.workspaceId) {
        this.#checkRedaction(replica);
      }
    }
    for (const replica of this.#replicas.values()) {
      if (
        replica.isBlocked &&
        replica.status.error?.code === DocErrorCode.contentDisabled &&
        parseDocId(replica.docId)?.workspaceId === message.workspaceId &&
        !disabled.has(docItemKey(replica.docId))
      ) {
        this.#retry(replica); // re-enabled by the operator
      }
    }
    for (const listener of [...this.#disabledItemsListeners]) {
      try {
        listener(message);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  #replicaFor(docId: string): DocReplica | undefined {
    const replica = this.#replicas.get(docId);
    if (!replica) this.#log('frame_for_unloaded_doc', { docId });
    return replica;
  }

  // ── status ────────────────────────────────────────────────────────────────────────────

  /** Coalesces status notifications to one per microtask (typing fires many updates). */
  #scheduleNotify(): void {
    if (this.#notifyScheduled || this.#closed) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      if (this.#closed) return;
      const status = this.status;
      this.#watchUnconfirmed(status);
      if (sameSyncStatus(status, this.#lastStatus)) return;
      this.#lastStatus = status;
      this.#listeners.emit(status);
    });
  }

  /**
   * Since when the oldest unacknowledged edit has waited on the current connection (an edit
   * made offline starts waiting when the connection is up); null when none waits or there
   * is no connection (then the status is offline anyway).
   */
  #waitingSince(unconfirmedSince: number | undefined): number | null {
    const readySince = this.#connection.readySince;
    if (unconfirmedSince === undefined || readySince === null) return null;
    return Math.max(unconfirmedSince, readySince);
  }

  /**
   * Arms a timer for the moment the oldest waiting edit becomes `unconfirmed`: then the
   * status changes (nothing else would notify) and the server is pinged at once, so a dead
   * connection turns into "offline" within the heartbeat timeout.
   */
  #watchUnconfirmed(status: SyncStatus): void {
    if (this.#unconfirmedTimer !== null || status.unconfirmed) return;
    const waitingSince = this.#waitingSince(status.unconfirmedSince);
    if (waitingSince === null) return;
    const delay = Math.max(0, waitingSince + this.#unconfirmedAfterMs - this.#clock.now());
    this.#unconfirmedTimer = this.#clock.setTimeout(() => {
      this.#unconfirmedTimer = null;
      if (this.#closed) return;
      if (this.status.unconfirmed) {
        this.#log('unconfirmed', { pendingUpdates: this.status.pendingUpdates });
        this.#connection.probe();
      }
      this.#scheduleNotify();
    }, delay);
  }

  /**
   * `offline`: the socket is abandoned at once (a lost network often leaves it looking open
   * for minutes), and no new one is tried until `online` (see NetworkEvents.isOnline).
   * `online`: a live socket is probed, otherwise the client connects now.
   */
  #listenForNetwork(events: NetworkEvents | null): void {
    if (!events) return;
    const onOnline = () => {
      if (!this.#closed) this.#connection.networkBack();
    };
    const onOffline = () => {
      if (!this.#closed) this.#connection.networkLost();
    };
    events.addEventListener('online', onOnline);
    events.addEventListener('offline', onOffline);
    this.#removeNetworkListeners = () => {
      events.removeEventListener('online', onOnline);
      events.removeEventListener('offline', onOffline);
    };
  }
}

function defaultNetworkEvents(): NetworkEvents | null {
  if (typeof window === 'undefined') return null;
  return {
    addEventListener: (type, listener) => window.addEventListener(type, listener),
    removeEventListener: (type, listener) => window.removeEventListener(type, listener),
    isOnline: () => navigator.onLine,
  };
}

function defaultStore(): LocalStore {
  return typeof indexedDB === 'undefined' ? new MemoryStore() : new IndexedDbStore();
}

function defaultWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) throw new Error('No WebSocket implementation: pass `WebSocket` (e.g. from "ws").');
  return ctor;
}
