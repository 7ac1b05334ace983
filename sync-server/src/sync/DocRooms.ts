import * as Y from 'yjs';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { Logger } from '../log/logger.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { StaleFenceError, type LeaseFence, type StoredDoc } from '../store/DocStore.ts';
import { compactionDue } from './compactionPolicy.ts';
import { DocRoom } from './DocRoom.ts';
import { LargeDocState } from './LargeDocState.ts';
import type { DocSubscription } from './DocSubscription.ts';
import type { FanOut } from './FanOut.ts';
import type { SyncDocStore } from './SyncDocStore.ts';
import type { SyncLimits } from './SyncLimits.ts';

/** Builds the state to store from a doc's stored rows, off the event loop. */
export type OffThreadCompactor = (parts: Uint8Array[], bytes: number) => Promise<Uint8Array>;

/**
 * The loaded documents of this process. Loading is not creating: a doc is loaded from its
 * merged state and log; concurrent loads share one promise; a failed load rejects (the
 * subscriber gets `storage_unavailable`), it never yields an empty doc that could be
 * written back. A room with no members is unloaded after `docIdleMs`, whatever happened
 * to its writes: memory holds only what is stored, so unloading loses nothing.
 */
export class DocRooms {
  readonly #rooms = new Map<string, DocRoom>();
  readonly #loading = new Map<string, Promise<DocRoom>>();
  /** Docs deleted while a load of them was in flight: that load yields no room. */
  readonly #deletedWhileLoading = new Set<string>();
  readonly #compactQueue = new Set<DocRoom>();
  #compactScheduled = false;
  /** Off-thread compactions in flight, by room (one at a time per room). */
  readonly #compacting = new Map<DocRoom, Promise<void>>();

  constructor(
    private readonly store: SyncDocStore,
    private readonly limits: SyncLimits,
    private readonly log: Logger,
    private readonly now: () => number,
    /** Without it, every compaction encodes the loaded doc on the event loop. */
    private readonly compactOffThread: OffThreadCompactor | null = null,
    /** Without it, every doc is loaded into a Y.Doc on the event loop, whatever its size. */
    private readonly heavy: HeavyYjs | null = null,
    /**
     * Other processes' updates to the loaded docs (a cluster): each doc is followed before
     * it is read from the store, and no longer once unloaded. Null with one process.
     */
    private readonly fanOut: FanOut | null = null,
    /**
     * A cluster's `compact:<docId>` lease: a compaction from the store runs in one process
     * at a time (the store keeps a late duplicate from losing rows, but both would do the
     * work). A process finding it held skips this one: the holder compacts what is stored,
     * which includes this process's appends. Null: every compaction runs.
     */
    private readonly compactionLease: JobLease | null = null,
  ) {}

  get size(): number {
    return this.#rooms.size;
  }

  /** Whether the doc is being loaded (a large doc's room is listed meanwhile). */
  isLoading(docId: string): boolean {
    return this.#loading.has(docId);
  }

  get(docId: string): DocRoom | undefined {
    return this.#rooms.get(docId);
  }

  /**
   * The loaded room, loading it first if needed. A large doc's room is in `get` as soon as
   * its stored rows are read (so updates stored meanwhile reach it), and here once ready.
   */
  load(docId: string, workspaceId: string): Promise<DocRoom> {
    let loading = this.#loading.get(docId);
    const room = this.#rooms.get(docId);
    if (room && !loading) return Promise.resolve(room);
    if (!loading) {
      loading = this.#load(docId, workspaceId).finally(() => {
        this.#loading.delete(docId);
        this.#deletedWhileLoading.delete(docId);
      });
      this.#loading.set(docId, loading);
    }
    return loading;
  }

  join(room: DocRoom, member: DocSubscription): void {
    if (room.idleTimer) {
      clearTimeout(room.idleTimer);
      room.idleTimer = null;
    }
    room.add(member);
  }

  leave(room: DocRoom, member: DocSubscription): void {
    room.remove(member);
    if (room.members.size === 0) this.#armIdle(room);
  }

  /** Compacts the room's log once it is due (compactionPolicy.ts); later, one room per turn. */
  considerCompaction(room: DocRoom): void {
    // A store shared by several processes is compacted from what it holds only (below).
    if (!this.store.compactInSlices || (!this.store.compact && !this.compactOffThread)) return;
    const due = compactionDue(
      {
        logRows: room.logCount,
        logBytes: room.logBytes,
        stateBytes: room.storedBytes - room.logBytes,
      },
      this.limits,
    );
    if (!due || this.#compacting.has(room)) return;
    this.#compactQueue.add(room);
    if (!this.#compactScheduled) {
      this.#compactScheduled = true;
      setImmediate(this.#compactNext);
    }
  }

  /** Drops a room whose doc no longer matches the store; its members must re-subscribe. */
  discard(room: DocRoom): void {
    if (this.#rooms.get(room.docId) === room) this.#rooms.delete(room.docId);
    this.#unload(room);
  }

  /**
   * The doc was deleted from the store: its room is dropped, and a load in flight, which may
   * have read rows that are gone, fails instead of registering a room (its subscribers retry
   * and load what the store holds now).
   */
  drop(docId: string): void {
    const room = this.#rooms.get(docId);
    if (room) this.discard(room);
    if (this.#loading.has(docId)) this.#deletedWhileLoading.add(docId);
  }

  unloadAll(): void {
    for (const room of this.#rooms.values()) this.#unload(room);
    this.#rooms.clear();
  }

  /** Resolves when the off-thread compactions started so far have ended (shutdown). */
  async compactionsDone(): Promise<void> {
    await Promise.all(this.#compacting.values());
  }

  async #load(docId: string, workspaceId: string): Promise<DocRoom> {
    // Yield once so every subscriber asking in this turn shares this load.
    await Promise.resolve();
    const started = performance.now();
    if (this.fanOut) return this.#loadFollowed(docId, workspaceId, this.fanOut, started);
    // In slices: a large doc's rows are read a chunk per turn (issue 13 #2); a small one's
    // in one short transaction, in this turn. The room is registered in the turn of the
    // last slice, which reads the log to its end, so no update stored meanwhile is missed.
    const stored = await this.store.loadInSlices(docId);
    return this.#loaded(docId, workspaceId, stored, started);
  }

  /**
   * A cluster's load: the doc's stream is followed first, so an update another process
   * publishes while the store is read reaches the room (in both: applied twice, harmless).
   */
  async #loadFollowed(
    docId: string,
    workspaceId: string,
    fanOut: FanOut,
    started: number,
  ): Promise<DocRoom> {
    await fanOut.follow(docId, workspaceId);
    try {
      const stored = await this.store.loadInSlices(docId);
      const room = await this.#loaded(docId, workspaceId, stored, started);
      fanOut.loaded(docId, workspaceId, stored?.updatesStored ?? 0);
      room.relayAwareness = (message) => fanOut.publishAwareness(docId, message);
      return room;
    } catch (error) {
      if (!this.#rooms.has(docId)) fanOut.unfollow(docId);
      throw error;
    }
  }

  async #loaded(
    docId: string,
    workspaceId: string,
    stored: StoredDoc | null,
    started: number,
  ): Promise<DocRoom> {
    if (this.#deletedWhileLoading.has(docId)) {
      throw new Error(`document ${docId} was deleted while loading`);
    }
    if (stored && this.heavy && stored.storedBytes >= this.limits.largeDocBytes) {
      return this.#loadLarge(docId, workspaceId, stored);
    }
    // A fixed guid: Yjs's default is a random UUID, 31 crypto calls per load (issue 13).
    const doc = new Y.Doc({ guid: docId });
    let logCount = 0;
    let logBytes = 0;
    let lastLogId = 0;
    let storedBytes = 0;
    if (stored) {
      doc.transact(() => {
        if (stored.state) Y.applyUpdate(doc, stored.state);
        for (const update of stored.log) Y.applyUpdate(doc, update);
      });
      logCount = stored.log.length;
      logBytes = stored.storedBytes - (stored.state?.byteLength ?? 0);
      lastLogId = stored.lastLogId;
      storedBytes = stored.storedBytes;
    }
    const room = new DocRoom(
      docId,
      workspaceId,
      doc,
      { lastLogId, logCount, logBytes, storedBytes },
      this.now,
    );
    this.#rooms.set(docId, room);
    this.#armIdle(room);
    this.considerCompaction(room);
    const ms = performance.now() - started;
    if (ms > 50) this.log.info({ docId, ms: Math.round(ms), logCount }, 'slow doc load');
    return room;
  }

  /**
   * A large doc: its rows are merged on the worker, never decoded here. The room is
   * registered at once, in the same turn as the read, so that an update stored while the
   * worker merges (a server update to a doc no room held) is applied to it.
   */
  async #loadLarge(docId: string, workspaceId: string, stored: StoredDoc): Promise<DocRoom> {
    const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
    const large = new LargeDocState(parts, this.heavy!);
    const logBytes = stored.storedBytes - (stored.state?.byteLength ?? 0);
    const room = new DocRoom(
      docId,
      workspaceId,
      large,
      {
        lastLogId: stored.lastLogId,
        logCount: stored.log.length,
        logBytes,
        storedBytes: stored.storedBytes,
      },
      this.now,
    );
    this.#rooms.set(docId, room);
    try {
      await large.ready;
    } catch (err) {
      this.discard(room);
      throw err;
    }
    if (room.unloaded) throw new Error(`document ${docId} was unloaded while loading`);
    this.#armIdle(room);
    this.considerCompaction(room);
    return room;
  }

  #armIdle(room: DocRoom): void {
    if (room.idleTimer || room.unloaded) return;
    room.idleTimer = setTimeout(() => {
      room.idleTimer = null;
      if (room.members.size > 0) return;
      this.#rooms.delete(room.docId);
      this.#unload(room);
    }, this.limits.docIdleMs);
    room.idleTimer.unref();
  }

  #unload(room: DocRoom): void {
    if (room.unloaded) return;
    room.unloaded = true;
    if (room.idleTimer) clearTimeout(room.idleTimer);
    room.idleTimer = null;
    this.#compactQueue.delete(room);
    room.destroy();
    // Unless a newer room holds the doc (a discarded room is unloaded after it went).
    if (this.fanOut && !this.#rooms.has(room.docId)) this.fanOut.unfollow(room.docId);
  }

  readonly #compactNext = (): void => {
    this.#compactScheduled = false;
    const next = this.#compactQueue.values().next();
    if (next.done) return;
    const room = next.value;
    this.#compactQueue.delete(room);
    if (this.#compactQueue.size > 0) {
      this.#compactScheduled = true;
      setImmediate(this.#compactNext);
    }
    if (room.unloaded || room.logCount === 0) return;
    if (
      this.compactOffThread &&
      // On a shared store, always from the store: the room's doc may lack another process's
      // update already below its last log id (SyncDocStore.compact).
      (!this.store.compact ||
        room.doc === null ||
        room.storedBytes >= this.limits.compactOffThreadBytes)
    ) {
      const compactOffThread = this.compactOffThread;
      const run = (lost: AbortSignal | null, fence: number | null = null) =>
        this.#compactFromStore(
          room,
          compactOffThread,
          lost,
          fence === null ? undefined : { name: `compact:${room.docId}`, fence },
        );
      const compaction = (
        this.compactionLease
          ? this.compactionLease.runOnce(`compact:${room.docId}`, run).then(
              () => undefined,
              (err: unknown) => {
                // Redis unreachable: the log stays as it is and is tried again when it grows.
                this.log.error({ err, docId: room.docId }, 'doc compaction lease failed');
              },
            )
          : run(null)
      ).finally(() => this.#compacting.delete(room));
      this.#compacting.set(room, compaction);
      return;
    }
    try {
      // The doc holds exactly the stored state through lastLogId (updates are applied
      // only after they are stored, synchronously), so its encoding replaces those rows.
      const state = Y.encodeStateAsUpdate(room.doc!);
      this.store.compact!(room.docId, state, room.lastLogId);
      room.logCount = 0;
      room.logBytes = 0;
      room.storedBytes = state.byteLength;
    } catch (err) {
      // The log stays as it is and is tried again when it grows; loads still work.
      this.log.error({ err, docId: room.docId }, 'doc compaction failed');
    }
  };

  /**
   * Compaction of a large doc: its stored rows are read in slices, merged on the worker
   * thread, and written back in slices (issue 13 #2); only those rows are replaced (rows
   * written meanwhile stay in the log). The loaded doc is not touched: it already holds
   * everything the store holds. Shutdown waits for it (`compactionsDone`); a crash mid-way
   * leaves the stored state as it was.
   */
  async #compactFromStore(
    room: DocRoom,
    compact: OffThreadCompactor,
    lost: AbortSignal | null,
    fence?: LeaseFence,
  ): Promise<void> {
    try {
      const stored = await this.store.loadInSlices(room.docId);
      if (!stored || stored.log.length === 0) return;
      const parts = stored.state ? [stored.state, ...stored.log] : stored.log;
      const state = await compact(parts, stored.storedBytes);
      // The lease expired meanwhile (another process may compact now): write nothing.
      if (lost?.aborted) return;
      // With the lease's fence: a holder paused past its TTL (lost not aborted yet: its
      // renewal has not run) is refused by the store once the next holder has written.
      await this.store.compactInSlices!(room.docId, state, stored.lastLogId, fence);
      // A large doc's bytes start again from the compacted state (its tail would grow
      // without end otherwise).
      if (!room.unloaded) room.large?.rebase(state, stored.lastLogId);
      const mergedLogBytes = stored.storedBytes - (stored.state?.byteLength ?? 0);
      room.logCount = Math.max(0, room.logCount - stored.log.length);
      room.logBytes = Math.max(0, room.logBytes - mergedLogBytes);
      room.storedBytes = state.byteLength + room.logBytes;
    } catch (err) {
      if (err instanceof StaleFenceError) {
        // Another process holds the lease now and has compacted the doc: its work stands.
        this.log.warn({ err, docId: room.docId }, 'doc compaction refused: the lease moved on');
        return;
      }
      // The log stays as it is and is tried again when it grows; loads still work.
      this.log.error({ err, docId: room.docId }, 'doc compaction failed');
    }
  }
}
