import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  CloseCode,
  MessageType,
  encodeServerMessage,
  parseDocId,
  type DocErrorCode,
} from '@desk/protocol';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { ChangedDocRow, ClosedDoc, DocStore } from '../store/DocStore.ts';
import { DocRooms } from './DocRooms.ts';
import { InProcessFanOut, type FanOut } from './FanOut.ts';
import type { SocketConnection } from './SocketConnection.ts';
import type { Authentication, SyncAuth } from './SyncAuth.ts';
import type { SyncDocStore } from './SyncDocStore.ts';
import { defaultSyncLimits, type SyncLimits } from './SyncLimits.ts';
import { SyncConnection, type SyncConnectionServices } from './SyncConnection.ts';
import { WsSyncSocket } from './SyncSocket.ts';
import { UpdatePipeline } from './UpdatePipeline.ts';
import type { RateShares } from './RateShares.ts';
import { UpdateRateLimiter } from './UpdateRateLimiter.ts';
import { watchAccess } from './watchAccess.ts';
import { YjsConnection } from './YjsConnection.ts';
import { updateMessage } from './yMessages.ts';

export interface SyncEngineOptions {
  auth: SyncAuth;
  limits?: Partial<SyncLimits>;
  /** The embedded store (SQLite), built once with the other stores (`createServices`). */
  store?: DocStore;
  /**
   * Instead of `store`: documents on a store shared by the processes of a cluster
   * (PostgreSQL, `clusterDocStore`), updates and awareness between them through `fanOut`
   * (`RedisFanOut`). What reads the embedded store synchronously (`store`, `workspaceSeq`,
   * `deleteDocs`) throws then: callers that run on both use `docs` and `deleteDocsDrained`.
   */
  sharedStore?: SyncDocStore;
  fanOut?: FanOut;
  /**
   * A cluster's lease per compaction (`compact:<docId>`, a `RedisJobLease`), so two processes
   * do not both compact one doc. Unset: one process, nothing to share.
   */
  compactionLease?: JobLease;
  /**
   * A cluster's split of each workspace's update rate and member's messages between its
   * processes (`RedisRateShares`). Unset: one process spends the whole rate.
   */
  rateShares?: RateShares;
}

/**
 * What the engine's store holds, read the same way whichever store it runs on (the embedded
 * SQLite store or a cluster's shared one): every answer a promise. Snapshots, search and
 * exports read documents through it. A doc's stored parts are its current state as far as
 * this process is concerned: every update a room applied was stored first.
 */
export interface EngineDocs {
  /** The doc as stored: merged state, then the updates logged since (empty if never written). */
  storedParts(docId: string): Promise<Uint8Array[]>;
  /** The workspace's change sequence (what `catchUp` answers with). */
  workspaceSeq(workspaceId: string): Promise<number>;
  /** Documents of the workspace changed after `sinceSeq` (same store generation). */
  changedSince(workspaceId: string, sinceSeq: number, limit?: number): Promise<ChangedDocRow[]>;
  generation(): string;
}

/** `EngineDocs` over the store the engine runs on (SyncEngine.docs; tests of its readers). */
export function engineDocs(store: SyncDocStore): EngineDocs {
  return {
    storedParts: async (docId) => {
      const stored = await store.loadInSlices(docId);
      if (!stored) return [];
      return stored.state ? [stored.state, ...stored.log] : stored.log;
    },
    workspaceSeq: async (workspaceId) => store.workspaceSeq(workspaceId),
    changedSince: async (workspaceId, sinceSeq, limit) =>
      store.changedSince(workspaceId, sinceSeq, limit),
    generation: () => store.generation(),
  };
}

const refusedOnSharedStore = new Proxy({} as DocStore, {
  get: (_target, method) =>
    // Not a thenable: awaiting the store object itself must not call anything.
    method === 'then'
      ? undefined
      : () => {
          throw new Error(
            `engine.store.${String(method)}: this engine runs on a shared store, not SQLite (not cluster-wide yet)`,
          );
        },
});

/**
 * The sync engine of one server process: sockets of both endpoints, the loaded rooms, the
 * write pipeline, access events, heartbeat and shutdown. Other server code uses it to read
 * a document's state or to change a document as the server (snapshot restore), through
 * the same persist-then-broadcast path as every client update.
 */
export class SyncEngine {
  readonly limits: SyncLimits;
  readonly auth: SyncAuth;
  readonly rooms: DocRooms;
  readonly #pipeline: UpdatePipeline;
  readonly #fanOut: FanOut;
  readonly #embedded: DocStore | null;
  /** What the rooms, the pipeline and catch-up read and write. */
  readonly #docs: SyncDocStore;
  readonly #services: SyncConnectionServices;
  readonly #connections = new Set<SocketConnection>();
  readonly #storedListeners = new Set<() => void>();
  readonly #byUser = new Map<string, Set<SocketConnection>>();
  readonly #stopWatching: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #openSockets = 0;
  #onAllClosed: (() => void) | null = null;
  #closing = false;

  constructor(
    private readonly ctx: ServerContext,
    options: SyncEngineOptions,
  ) {
    this.limits = { ...defaultSyncLimits, ...options.limits };
    this.#embedded = options.store ?? null;
    const docs = options.sharedStore ?? options.store;
    if (!docs) throw new Error('The sync engine needs a store or a shared store.');
    this.#docs = docs;
    this.docs = engineDocs(docs);
    this.auth = options.auth;
    this.#fanOut = options.fanOut ?? new InProcessFanOut();
    const log = ctx.log.child({ module: 'sync' });
    this.rooms = new DocRooms(
      this.#docs,
      this.limits,
      log,
      ctx.now,
      (parts, bytes) => ctx.offThread.run('compactState', [parts], bytes),
      ctx.offThread,
      // With one process nothing is followed (the load path stays as it was).
      options.fanOut ? this.#fanOut : null,
      options.compactionLease ?? null,
    );
    this.#pipeline = new UpdatePipeline(
      this.#docs,
      this.#fanOut,
      log,
      (room) => this.rooms.considerCompaction(room),
      (room, err) => {
        log.error({ err, docId: room.docId }, 'stored update failed to apply; room discarded');
        for (const member of [...room.members]) {
          member.connection.fail(CloseCode.internalError, 'The document must be reloaded.');
        }
        this.rooms.discard(room);
      },
      (docId) => this.rooms.get(docId),
      {
        smallBatch: this.limits.groupCommitSmallBatch,
        intervalMs: this.limits.groupCommitIntervalMs,
      },
      () => {
        for (const listener of this.#storedListeners) listener();
      },
      new UpdateRateLimiter(ctx.now, options.rateShares),
    );
    this.#services = {
      rooms: this.rooms,
      pipeline: this.#pipeline,
      limits: this.limits,
      auth: this.auth,
      log,
      now: ctx.now,
      store: this.#docs,
      forget: (connection) => this.#forget(connection),
      socketClosed: () => {
        this.#openSockets--;
        if (this.#openSockets === 0) this.#onAllClosed?.();
      },
    };
    // Updates another process stored: applied and broadcast here, never stored again.
    this.#fanOut.onRemoteUpdate((docId, update) => this.#applyRemote(docId, update));
    this.#fanOut.onResync((docId) => this.#resyncFromStore(docId));
    this.#fanOut.onRemoteAwareness((docId, message) => {
      this.rooms.get(docId)?.applyRemoteAwareness(message, this.#fanOut);
    });
    this.#stopWatching = watchAccess(ctx.access, {
      all: () => this.#connections,
      ofUser: (userId) => this.#byUser.get(userId) ?? [],
    });
    this.#heartbeat = setInterval(() => {
      for (const connection of [...this.#connections]) connection.heartbeat();
    }, this.limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * Calls `listener` after every turn that stored updates (clients' or the server's), once
   * per turn, after its broadcasts and acks — on the write path: a listener only marks
   * itself due (the search projector). Returns a function that stops calling it.
   */
  onStored(listener: () => void): () => void {
    this.#storedListeners.add(listener);
    return () => this.#storedListeners.delete(listener);
  }

  /** Reads of the store the engine runs on, embedded or shared (see `EngineDocs`). */
  readonly docs: EngineDocs;

  /** A cluster's engine: its documents are in the shared store (`docs`), `store` refuses. */
  get onSharedStore(): boolean {
    return this.#embedded === null;
  }

  /**
   * The embedded store. A cluster's engine has none (SyncEngineOptions.sharedStore): it gives
   * a store whose every call throws, so services built on it (snapshots, search, exports
   * until they read `docs`) can be constructed in a cluster process and fail when used,
   * never reading or writing a store that is not the cluster's.
   */
  get store(): DocStore {
    return this.#embedded ?? refusedOnSharedStore;
  }

  /** The live sockets on both endpoints (`recheckAccess` walks them). */
  openConnections(): Iterable<SocketConnection> {
    return this.#connections;
  }

  /** Number of live sockets on both endpoints. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** A socket on `/sync` whose upgrade was authenticated (or not). */
  openSync(ws: WebSocket, authentication: Authentication): void {
    if (!this.#admit(ws, authentication, true)) return;
    const principal = (authentication as Authentication & { ok: true }).principal;
    const socket = this.#socketFor(ws);
    const connection = new SyncConnection(socket, principal, this.#services);
    socket.listen(connection);
    this.#track(connection);
  }

  /** A socket on `/yjs/:docId`. */
  openYjs(ws: WebSocket, authentication: Authentication, docId: string): void {
    if (!this.#admit(ws, authentication, false)) return;
    const principal = (authentication as Authentication & { ok: true }).principal;
    const socket = this.#socketFor(ws);
    const connection = new YjsConnection(socket, principal, this.#services);
    socket.listen(connection);
    this.#track(connection);
    const parsed = parseDocId(docId);
    if (!parsed) {
      connection.fail(CloseCode.docRefused, 'invalid_doc_id');
      return;
    }
    connection.start(docId, parsed.workspaceId);
  }

  /**
   * Applies a server-originated update (e.g. a snapshot restore's forward change) through
   * the same path as a client's: stored, applied, broadcast. Resolves once broadcast.
   */
  async applyServerUpdate(docId: string, update: Uint8Array): Promise<void> {
    const parsed = parseDocId(docId);
    if (!parsed) throw new Error(`Not a valid document id: ${docId}`);
    Y.decodeUpdate(update); // refuse garbage before it reaches the log
    // A doc nobody has open is not loaded for this: its update is stored, and applied when
    // a room loads it (loading a large doc decodes it on the event loop).
    const room = this.rooms.get(docId);
    await this.#pipeline.submitServer(room ?? { docId, workspaceId: parsed.workspaceId }, update);
  }

  /**
   * Deletes documents so that nothing here writes them again: the updates queued now are
   * stored first (and deleted with the rest), every subscription of the docs ends with
   * `reason` — live or still pending, so frames queued before authorization are never
   * applied — their rooms are dropped (a load in flight yields no room), then the store
   * deletes them. Synchronous, so no update slips in between. Not inside a transaction: the
   * queued updates are stored and broadcast in their own, which a rollback must not undo.
   * Returns how many of the docs existed.
   */
  deleteDocs(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): number {
    if (docIds.length === 0) return 0;
    this.#pipeline.flushNow();
    const ids = new Set(docIds);
    for (const connection of [...this.#connections]) {
      connection.endDocs(ids, reason.code, reason.message);
    }
    for (const docId of ids) this.rooms.drop(docId);
    return this.store.deleteDocs([...ids]);
  }

  /**
   * `deleteDocs` on any store, the embedded one or a cluster's: the subscriptions of the docs
   * end first (live or pending), so no update of theirs is admitted here any more; then the
   * pipeline is drained (what was queued or in flight is stored, and deleted with the rest);
   * then their rooms are dropped (a load in flight yields no room) and the store deletes them.
   * On a cluster another process's client may still write one of them meanwhile: deletions
   * close the workspace or the user's sessions first, and those access events close the
   * sockets on every process (the access bus), so such a write is refused there. Resolves with
   * how many of the docs existed.
   */
  async deleteDocsDrained(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): Promise<number> {
    if (docIds.length === 0) return 0;
    const ids = new Set(docIds);
    // Twice: a subscription that was authorized while the first drain waited ends too (the
    // callers refuse new ones before they delete, so a second round finds none later).
    for (let round = 0; round < 2; round++) {
      for (const connection of [...this.#connections]) {
        connection.endDocs(ids, reason.code, reason.message);
      }
      await this.#pipeline.drain();
    }
    for (const docId of ids) this.rooms.drop(docId);
    return this.#docs.deleteDocs([...ids]);
  }

  /**
   * A purge begins: the store refuses every append to the workspace from now on, on this
   * process or another (`DocStore.closeWorkspace`); an update queued here is refused with
   * `workspace_deleted` when its turn comes. Call it before listing the docs to delete.
   */
  async closeWorkspace(workspaceId: string): Promise<void> {
    await this.#docs.closeWorkspace(workspaceId);
  }

  /**
   * A deleted account's private docs: the store refuses every append to them from now on, on
   * this process or another (`DocStore.closeDocs`); an update queued here is refused with
   * `access_revoked` when its turn comes. Call it before `deleteDocsDrained`, so no write
   * stored meanwhile recreates one.
   */
  async closeDocs(docs: readonly ClosedDoc[]): Promise<void> {
    if (docs.length > 0) await this.#docs.closeDocs(docs);
  }

  /** The document's current state as one update (empty doc if never written). */
  async readDocState(docId: string): Promise<Uint8Array> {
    const room = this.rooms.get(docId);
    if (room) {
      await room.large?.ready;
      return room.encodeState();
    }
    // Not loaded: built aside rather than kept in memory (snapshots read many docs), on the
    // worker when large (HeavyYjs decides), as compaction builds it.
    const stored = await this.#docs.loadInSlices(docId);
    if (!stored) return Y.encodeStateAsUpdate(new Y.Doc());
    const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
    return this.ctx.offThread.run('compactState', [parts], stored.storedBytes);
  }

  /** The workspace's change sequence (what `catchUp` answers with). */
  workspaceSeq(workspaceId: string): number {
    return this.store.workspaceSeq(workspaceId);
  }

  generation(): string {
    return this.#docs.generation();
  }

  /**
   * Graceful shutdown, connections phase: every socket is closed with 1012 (clients
   * reconnect with backoff); waits for the closes to complete, at most `closeGraceMs`.
   */
  async closeAll(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    this.#stopWatching();
    for (const connection of [...this.#connections]) {
      connection.fail(CloseCode.serverRestarting, 'The server is restarting.');
    }
    if (this.#openSockets === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.limits.closeGraceMs);
      this.#onAllClosed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Graceful shutdown, flush phase: stores what is queued, lets running compactions finish
   * (they write to the database), and drops the rooms.
   */
  async flush(): Promise<void> {
    await this.#pipeline.drain();
    await this.rooms.compactionsDone();
    this.rooms.unloadAll();
  }

  /**
   * An update another process stored: applied and broadcast here, never stored again. Its
   * bytes count in the room's stored weight, which the limits read (a ticket doc another
   * process created is no longer new here; the doc size counts every process's writes).
   */
  #applyRemote(docId: string, update: Uint8Array, weighed = true): void {
    const room = this.rooms.get(docId);
    if (!room) return; // not loaded here: the next load reads it from the store
    room.apply(update, this.#fanOut, Number.POSITIVE_INFINITY);
    if (weighed) room.storedBytes += update.byteLength;
    if (!room.broadcastRedacted([update])) room.broadcastUpdate(updateMessage(update), null, null);
  }

  /**
   * The fan-out cannot tell what this process missed of the doc: what the store holds
   * beyond the room's state vector is applied and broadcast as another process's update.
   * A large doc's room (no Y.Doc here) is dropped instead: its members re-subscribe and
   * load it again.
   */
  async #resyncFromStore(docId: string): Promise<void> {
    const room = this.rooms.get(docId);
    if (!room) return;
    const stored = await this.#docs.loadInSlices(docId);
    if (!stored || room.unloaded) return;
    if (!room.doc) {
      for (const member of [...room.members]) {
        member.connection.fail(CloseCode.internalError, 'The document must be reloaded.');
      }
      this.rooms.discard(room);
      return;
    }
    const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
    const missing = Y.diffUpdate(Y.mergeUpdates(parts), Y.encodeStateVector(room.doc));
    this.#applyRemote(docId, missing, false);
    room.storedBytes = Math.max(room.storedBytes, stored.storedBytes);
    this.#fanOut.loaded(docId, room.workspaceId, stored.updatesStored);
  }

  #admit(ws: WebSocket, authentication: Authentication, framed: boolean): boolean {
    let code: number;
    let message: string;
    if (this.#closing) {
      code = CloseCode.serverRestarting;
      message = 'The server is restarting.';
    } else if (!authentication.ok) {
      code = authentication.closeCode;
      message = authentication.message;
    } else {
      return true;
    }
    if (framed) {
      const bytes = encodeServerMessage({ type: MessageType.error, code, message });
      ws.send(bytes);
    }
    ws.close(code, message.slice(0, 120));
    return false;
  }

  #socketFor(ws: WebSocket): WsSyncSocket {
    this.#openSockets++;
    return new WsSyncSocket(ws);
  }

  #track(connection: SocketConnection): void {
    this.#connections.add(connection);
    const userId = connection.principal.userId;
    let ofUser = this.#byUser.get(userId);
    if (!ofUser) this.#byUser.set(userId, (ofUser = new Set()));
    ofUser.add(connection);
  }

  #forget(connection: SocketConnection): void {
    this.#connections.delete(connection);
    const ofUser = this.#byUser.get(connection.principal.userId);
    if (ofUser) {
      ofUser.delete(connection);
      if (ofUser.size === 0) this.#byUser.delete(connection.principal.userId);
    }
  }
}
