import * as Y from 'yjs';
import { DocErrorCode } from '@desk/protocol';
import type { Logger } from '../log/logger.ts';
import {
  ACCOUNT_DELETED_MESSAGE,
  DocClosedError,
  WorkspaceClosedError,
  type AppendResult,
  type NewUpdate,
} from '../store/DocStore.ts';
import type { DocRoom } from './DocRoom.ts';
import type { DocSubscription } from './DocSubscription.ts';
import type { StorageLimit } from './SyncAuth.ts';
import type { FanOut } from './FanOut.ts';
import type { SyncDocStore } from './SyncDocStore.ts';
import { forEachExclusion } from './exclusionTree.ts';
import type { UpdateRateLimiter } from './UpdateRateLimiter.ts';
import { isChannelDoc, newChannelMessages } from './channelMessages.ts';
import { checkDependencies, DependencyProblem, type DecodedUpdate } from './updateDependencies.ts';
import { updateMessage } from './yMessages.ts';

/**
 * Group commit holds a batch only while lone updates keep coming: the previous one stored
 * less than this many intervals ago. A lone typist's keystrokes (100 ms and more apart) are
 * stored in their own turn; at 200 lone updates/s the rule still holds 1.34 updates per
 * batch against 1.40 holding every batch (a simulation, BENCHMARKS.md).
 */
const STREAM_INTERVALS = 5;

interface Entry {
  docId: string;
  workspaceId: string;
  /** The doc's loaded room; null for a server update to a doc no room holds (detached). */
  room: DocRoom | null;
  /** The subscription that sent it; null for a server-originated update. */
  from: DocSubscription | null;
  /** The log row it was stored as (set once stored). */
  logId: number | null;
  /** The workspace change sequence it was given (set once stored). */
  seq: number | null;
  /** Its number among its doc's stored updates (`AppendResult.stored`; set once stored). */
  stored: number | null;
  /** What to store; null when there is nothing to store (empty step 2, or refused). */
  update: Uint8Array | null;
  /** `update` decoded, when its receiver decoded it to validate it. */
  decoded: DecodedUpdate | null;
  /** The incoming 'update' message and its /sync frame, forwarded as they are when possible. */
  payload: Uint8Array | null;
  frame: Uint8Array | null;
  /** `changes`: see ConnectionLink.refuse (absent: it would have). */
  refusal: {
    code: DocErrorCode;
    message: string;
    changes?: boolean | null;
    retryAfterMs?: number;
    /** What a server update's caller is rejected with (else an Error with `message`). */
    error?: Error;
  } | null;
  done: ((error: Error | null) => void) | null;
}

/** Group commit: see `UpdatePipeline`. */
export interface GroupCommit {
  /** A batch this small is followed by a wait (0 turns it off). */
  readonly smallBatch: number;
  /** The wait: a held batch is stored at most this long after its first update came. */
  readonly intervalMs: number;
}

/**
 * The write path, in the order the protocol promises: every update that arrived in one
 * event-loop turn is appended to the store in ONE transaction, then applied to its room's
 * doc, then broadcast (one frame per room, the same buffer to every socket), then acked to
 * its sender. Refusals travel through the same queue so a client sees acks and refusals in
 * the order it sent its updates. Persist before broadcast: an update another client has
 * seen survives kill -9.
 *
 * Group commit: a transaction costs ~100 µs of CPU whatever it holds (six pages written to
 * the WAL), more than everything else an update costs on a quiet doc. In a stream of lone
 * updates, as 200 docs with 5 typists each make — the previous batch held fewer than
 * `groupCommit.smallBatch` updates and was stored less than five intervals ago — a batch is
 * held for `groupCommit.intervalMs` from its first update and takes every update of the
 * turns in between, or until it holds `smallBatch` updates, whichever comes first. Held
 * from its first update, not from the previous commit: counted from the commit, an update
 * that came after the interval went alone, and at 1,000 lone updates/s batches held 1.36
 * updates on average at 1 ms (2.36 held 2 ms from the first; a simulation, BENCHMARKS.md).
 * An update after a quiet spell, and every batch of a busy doc, is stored in its own turn.
 * Nothing is broadcast or acked before its transaction commits.
 *
 * On a store that answers later (PostgreSQL, `SyncDocStore`) one batch is in flight at a
 * time: updates arriving meanwhile wait and form the next batch, which is admitted once
 * the one in flight is applied (its dependency checks need the docs as they will be). On
 * the embedded store every step above runs in the turn of the flush, as before.
 */
export class UpdatePipeline {
  #batch: Entry[] = [];
  #scheduled = false;
  #timer: NodeJS.Timeout | null = null;
  /** When the previous batch was stored (performance.now()) and how many entries it held. */
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  #lastBatchSize = 0;
  /** The batch whose append has not answered yet (a store that answers later). */
  #inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<SyncDocStore, 'append' | 'ticketCount'>,
    private readonly fanOut: FanOut,
    private readonly log: Logger,
    /** Called after a room's log grew (compaction policy). */
    private readonly onPersisted: (room: DocRoom) => void,
    /** Called when applying a stored update failed: the room no longer matches the store. */
    private readonly onRoomBroken: (room: DocRoom, error: unknown) => void,
    /** The room loaded now for a doc, if any. */
    private readonly loadedRoom: (docId: string) => DocRoom | undefined,
    private readonly groupCommit: GroupCommit = { smallBatch: 0, intervalMs: 0 },
    /** Called once per batch that stored something, after its broadcasts and acks. */
    private readonly onStored: () => void = () => {},
    /** The update rate per connection and per workspace (null: not limited). */
    private readonly rate: UpdateRateLimiter | null = null,
  ) {}

  submit(
    room: DocRoom,
    from: DocSubscription,
    update: Uint8Array | null,
    payload: Uint8Array | null,
    frame: Uint8Array | null,
    decoded: DecodedUpdate | null = null,
  ): void {
    this.#push({
      docId: room.docId,
      workspaceId: room.workspaceId,
      room,
      from,
      logId: null,
      seq: null,
      stored: null,
      update,
      decoded,
      payload,
      frame,
      refusal: null,
      done: null,
    });
  }

  refuse(
    room: DocRoom,
    from: DocSubscription,
    code: DocErrorCode,
    message: string,
    changes: boolean | null = true,
  ): void {
    this.#push({
      ...target(room),
      from,
      logId: null,
      seq: null,
      stored: null,
      update: null,
      decoded: null,
      payload: null,
      frame: null,
      refusal: { code, message, changes },
      done: null,
    });
  }

  /**
   * A server-originated update (e.g. a restore): same path, resolves once broadcast. With
   * a doc id instead of a room, the update is stored without loading the doc (a restore
   * must not decode a 6 MiB index doc on the event loop just to append to its log); a
   * room loaded by the time it is stored gets it applied and broadcast as usual.
   */
  submitServer(
    to: DocRoom | { docId: string; workspaceId: string },
    update: Uint8Array,
  ): Promise<void> {
    const entryTarget =
      'doc' in to ? target(to) : { docId: to.docId, workspaceId: to.workspaceId, room: null };
    return new Promise((resolve, reject) => {
      this.#push({
        ...entryTarget,
        from: null,
        logId: null,
        seq: null,
        stored: null,
        update,
        decoded: null,
        payload: null,
        frame: null,
        refusal: null,
        done: (error) => (error ? reject(error) : resolve()),
      });
    });
  }

  /**
   * Writes whatever is queued now (graceful shutdown). On the embedded store it is stored
   * when this returns; on a store that answers later, `drain` waits for it.
   */
  flushNow(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#batch.length > 0) this.#flush();
  }

  /** Resolves once nothing is queued or in flight (every answer given). */
  async drain(): Promise<void> {
    for (;;) {
      this.flushNow();
      if (this.#inFlight === null) return;
      await this.#inFlight;
    }
  }

  get pending(): number {
    return this.#batch.length;
  }

  #push(entry: Entry): void {
    this.#batch.push(entry);
    // The end of the batch in flight schedules the next one.
    if (this.#inFlight !== null) return;
    const { smallBatch, intervalMs } = this.groupCommit;
    if (this.#scheduled) {
      // A batch waiting for the interval goes in the next turn once it is no longer small:
      // the wait is for streams of lone updates, and must not hold back a writer that
      // waits for its updates to arrive before sending more (a closed loop, as the flood's).
      if (this.#timer !== null && this.#batch.length >= smallBatch) {
        clearTimeout(this.#timer);
        this.#timer = null;
        setImmediate(this.#flush);
      }
      return;
    }
    this.#scheduled = true;
    if (
      this.#lastBatchSize < smallBatch &&
      performance.now() - this.#lastFlushAt < STREAM_INTERVALS * intervalMs
    ) {
      this.#timer = setTimeout(this.#flush, intervalMs);
      return;
    }
    // setImmediate, not a microtask: it runs after the poll phase, so every frame read
    // from every socket in this turn lands in the same transaction.
    setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    this.#timer = null;
    if (this.#inFlight !== null) return;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#lastFlushAt = performance.now();
    this.#lastBatchSize = batch.length;

    const ticketCounts = this.#ticketCounts(batch);
    if (ticketCounts instanceof Promise) {
      this.#await(this.#flushLater(batch, ticketCounts));
      return;
    }
    this.#admit(batch, ticketCounts);
    const writes = this.#writes(batch);
    if (writes.length === 0) {
      this.#finish(batch, false);
      return;
    }
    let results: AppendResult[] | Promise<AppendResult[]>;
    try {
      results = this.#append(writes);
    } catch (error) {
      this.#refuseWrites(writes, error);
      this.#finish(batch, false);
      return;
    }
    if (results instanceof Promise) {
      this.#await(this.#finishLater(batch, writes, results));
      return;
    }
    this.#stored(writes, results);
    this.#finish(batch, results.length > 0);
  };

  /** The store answers later: the batch is in flight until `work` ends, then the next goes. */
  #await(work: Promise<void>): void {
    this.#inFlight = work
      .catch((err: unknown) => this.log.error({ err }, 'sync pipeline failed on a batch'))
      .finally(() => {
        this.#inFlight = null;
        if (this.#batch.length > 0 && !this.#scheduled) {
          this.#scheduled = true;
          setImmediate(this.#flush);
        }
      });
  }

  async #flushLater(batch: Entry[], ticketCounts: Promise<Map<string, number>>): Promise<void> {
    let counts: Map<string, number>;
    try {
      counts = await ticketCounts;
    } catch (error) {
      // The store is unreachable: the append would be refused too.
      this.#refuseWrites(this.#writes(batch), error);
      this.#finish(batch, false);
      return;
    }
    this.#admit(batch, counts);
    const writes = this.#writes(batch);
    if (writes.length === 0) {
      this.#finish(batch, false);
      return;
    }
    await this.#finishLater(
      batch,
      writes,
      Promise.resolve().then(() => this.#append(writes)),
    );
  }

  async #finishLater(
    batch: Entry[],
    writes: Entry[],
    results: Promise<AppendResult[]>,
  ): Promise<void> {
    let stored: AppendResult[];
    try {
      stored = await results;
    } catch (error) {
      this.#refuseWrites(writes, error);
      this.#finish(batch, false);
      return;
    }
    this.#stored(writes, stored);
    this.#finish(batch, stored.length > 0);
  }

  /** Applies, broadcasts and answers a batch whose writes were stored (or refused). */
  #finish(batch: Entry[], stored: boolean): void {
    try {
      const { byRoom, notLoaded } = this.#apply(batch);
      for (const [room, entries] of byRoom) this.#broadcast(room, entries);
      // Stored for a doc no room here holds: other processes may hold it.
      for (const entry of notLoaded) {
        this.fanOut.publishUpdate(entry.docId, entry.update!, entry.seq!, storedNumbers([entry]));
      }
      this.#answer(batch);
    } catch (err) {
      // A bug here must not take the process (and every other room) down. What was stored
      // is stored; clients that miss an ack or a broadcast re-sync on their next exchange.
      this.log.error({ err }, 'sync pipeline failed after storing a batch');
    }
    if (stored) this.onStored();
  }

  /**
   * The ticket count of each workspace with a new ticket doc in the batch (read only for
   * those, as the limit needs it), at once from the embedded store.
   */
  #ticketCounts(batch: Entry[]): Map<string, number> | Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let pending: Promise<unknown>[] | null = null;
    for (const entry of batch) {
      if (entry.update === null || entry.refusal !== null || entry.from?.maxTickets == null) {
        continue;
      }
      const room = entry.room && !entry.room.unloaded ? entry.room : this.loadedRoom(entry.docId);
      if (!room || !isNewTicket(room) || counts.has(room.workspaceId)) continue;
      const workspaceId = room.workspaceId;
      const count = this.store.ticketCount(workspaceId);
      counts.set(workspaceId, 0);
      if (count instanceof Promise) {
        (pending ??= []).push(count.then((n) => counts.set(workspaceId, n)));
      } else {
        counts.set(workspaceId, count);
      }
    }
    return pending ? Promise.all(pending).then(() => counts) : counts;
  }

  /**
   * Refuses, before anything is stored, every client update that cannot be stored whole.
   * Updates of one turn are checked in the order they will be applied, each against its doc
   * plus the updates of the same turn accepted before it (a refused one counts for nothing):
   *
   * - Missing dependencies: an update that would leave its doc with pending structs or
   *   deletions needs structs the server never received. Stored, it would be served to every
   *   client and never complete (SPEC.md, DEP-1). An update may rely on
   *   an earlier one of the same batch.
   * - Document size, the one place it is enforced for both endpoints: an update that would
   *   take its doc's stored bytes (merged state plus log) past the plan's limit, so a burst
   *   cannot pass the limit together. An update that adds no structs (deletions only, or
   *   what the doc already has: a reconnecting client's step 2 repeats its whole delete set)
   *   is never refused for size, so a doc at its limit can still be cleaned up. Server
   *   updates (a restore) are not limited (SPEC.md, LIMIT).
   * - Tickets per workspace: the first write of a ticket doc the store does not have yet,
   *   when the workspace holds its plan's ticket limit counting the new ticket docs of the
   *   same turn accepted before it. The store's count is a lookup (a counter it keeps), read
   *   only for a new ticket doc. Server updates are not limited (SPEC.md, LIMIT-7).
   * - Update rate, checked first: one token per client update from its connection's bucket
   *   and its workspace's (the plan's `updateRate`); without both, the update is refused
   *   whole with `rate_limited` and the wait until a token is back (SPEC.md, LIMIT-9). The
   *   sender's later updates of the same turn need it, so they are refused too (rate or
   *   missing dependencies): the client resends them all after the wait.
   * - Chat messages per member: an update to a channel doc posting new messages needs one
   *   token per message from its member's bucket in the workspace (the plan's
   *   `messagesPerMinute`); otherwise refused whole with `rate_limited` (SPEC.md, LIMIT-10).
   *   Checked once the dependencies are known, against what the doc and the turn hold.
   * - Storage per workspace: an update that adds content (as for the document size) when the
   *   workspace's documents, attachments and uploads in flight plus the updates of the same
   *   turn accepted before it would pass the plan's storage; refused whole with
   *   `storage_full`. What the workspace holds is read once per workspace and turn (two
   *   counters and the reservations: lookups). Deletions are never refused for it, so a
   *   workspace over its storage can still be cleaned up (SPEC.md, LIMIT-12).
   */
  #admit(batch: Entry[], ticketCounts: ReadonlyMap<string, number>): void {
    let ahead: Map<DocRoom, Map<number, number>> | null = null;
    let added: Map<DocRoom, number> | null = null;
    let newTickets: Map<string, Set<DocRoom>> | null = null;
    /** Per workspace: what its storage holds, with the updates of this turn accepted so far. */
    let storageUsed: Map<string, number> | null = null;
    for (const entry of batch) {
      const from = entry.from;
      if (entry.update === null || entry.refusal !== null || from === null) continue;
      const room = entry.room && !entry.room.unloaded ? entry.room : this.loadedRoom(entry.docId);
      // Not loaded (only server updates are stored unloaded): nothing to compare with.
      if (!room) continue;
      if (this.rate !== null && from.updateRate !== null) {
        const wait = this.rate.admit(from.connection, room.workspaceId, from.updateRate);
        if (wait !== null) {
          entry.update = null;
          entry.refusal = {
            code: DocErrorCode.rateLimited,
            message: 'Too many changes at once; they will be sent again shortly.',
            retryAfterMs: wait,
          };
          continue;
        }
      }
      let advanced: Map<number, number> | null = null;
      // A doc already holding pending structs from before the dependency rule is not
      // checked for them, as before.
      if (!room.hasPending) {
        const batchClocks = ahead?.get(room);
        let check;
        try {
          check = checkDependencies(
            entry.decoded ?? entry.update,
            (client) => batchClocks?.get(client) ?? room.clock(client),
          );
        } catch {
          // DocSubscription decoded it already; a throw here is a bug, not the client's.
          check = { ok: false as const, problem: DependencyProblem.selfReference };
        }
        if (!check.ok) {
          entry.update = null;
          entry.refusal =
            check.problem === DependencyProblem.selfReference
              ? { code: DocErrorCode.malformedUpdate, message: 'The change could not be read.' }
              : {
                  code: DocErrorCode.missingDependencies,
                  message: 'The change needs earlier changes the server does not have.',
                };
          continue;
        }
        advanced = check.advanced;
        // Chat messages per member (SPEC.md, LIMIT-10): the new messages this update posts,
        // all taken or the update refused whole with the wait.
        if (
          this.rate !== null &&
          from.messagesPerMinute !== null &&
          isChannelDoc(room.docId, room.workspaceId)
        ) {
          const posted = newChannelMessages(
            entry.decoded ?? Y.decodeUpdate(entry.update),
            (client) => batchClocks?.get(client) ?? room.clock(client),
          );
          const wait = this.rate.admitMessages(
            room.workspaceId,
            from.connection.principal.userId,
            posted,
            from.messagesPerMinute,
          );
          if (wait !== null) {
            entry.update = null;
            entry.refusal = {
              code: DocErrorCode.rateLimited,
              message: 'Too many messages in a minute; they will be sent shortly.',
              retryAfterMs: wait,
            };
            continue;
          }
        }
      }
      const grows = advanced === null || advanced.size > 0;
      if (grows && from.maxDocBytes !== null) {
        const bytes = room.storedBytes + (added?.get(room) ?? 0) + entry.update.byteLength;
        if (bytes > from.maxDocBytes) {
          entry.update = null;
          entry.refusal = {
            code: DocErrorCode.docTooLarge,
            message: 'The document has reached the size limit of the plan.',
          };
          continue;
        }
      }
      if (grows && from.storage !== null) {
        storageUsed ??= new Map();
        let used = storageUsed.get(room.workspaceId);
        if (used === undefined) {
          used = from.storage.used();
          storageUsed.set(room.workspaceId, used);
        }
        if (used + entry.update.byteLength > from.storage.quotaBytes) {
          entry.update = null;
          entry.refusal = {
            code: DocErrorCode.storageFull,
            message: 'The workspace has used up the storage of its plan.',
          };
          continue;
        }
      }
      if (from.maxTickets !== null && isNewTicket(room)) {
        newTickets ??= new Map();
        const ofWorkspace = newTickets.get(room.workspaceId) ?? new Set<DocRoom>();
        if (!ofWorkspace.has(room)) {
          if ((ticketCounts.get(room.workspaceId) ?? 0) + ofWorkspace.size >= from.maxTickets) {
            entry.update = null;
            entry.refusal = {
              code: DocErrorCode.ticketLimit,
              message: 'The workspace has reached the ticket limit of the plan.',
            };
            continue;
          }
          ofWorkspace.add(room);
          newTickets.set(room.workspaceId, ofWorkspace);
        }
      }
      added ??= new Map();
      added.set(room, (added.get(room) ?? 0) + entry.update.byteLength);
      if (from.storage !== null) {
        // Every accepted update adds its bytes to the log, deletions too.
        storageUsed ??= new Map();
        const used = storageUsed.get(room.workspaceId) ?? from.storage.used();
        storageUsed.set(room.workspaceId, used + entry.update.byteLength);
      }
      if (advanced === null || advanced.size === 0) continue;
      ahead ??= new Map();
      const clocks = ahead.get(room) ?? new Map<number, number>();
      for (const [client, clock] of advanced) clocks.set(client, clock);
      ahead.set(room, clocks);
    }
  }

  /** The batch's accepted updates: what is stored, in one transaction. */
  #writes(batch: Entry[]): Entry[] {
    return batch.filter((entry) => entry.update !== null && entry.refusal === null);
  }

  /** `results` are those of the writes still accepted (`#append` may have refused some). */
  #stored(batchWrites: Entry[], results: AppendResult[]): void {
    const writes = this.#writes(batchWrites);
    let bytes: Map<StorageLimit, number> | null = null;
    for (let i = 0; i < writes.length; i++) {
      const entry = writes[i]!;
      entry.logId = results[i]!.logId;
      entry.seq = results[i]!.seq;
      entry.stored = results[i]!.stored;
      const storage = entry.from?.storage;
      if (storage?.stored) {
        bytes ??= new Map();
        bytes.set(storage, (bytes.get(storage) ?? 0) + entry.update!.byteLength);
      }
    }
    // Committed: a workspace's kept storage use counts them before it is read again.
    if (bytes) for (const [storage, n] of bytes) storage.stored!(n);
  }

  /**
   * Refused whole: nothing of the batch was stored, applied or broadcast. Clients keep
   * their changes and send them again when they re-sync.
   */
  #refuseWrites(writes: Entry[], error: unknown): void {
    this.log.error(
      { err: error, docs: [...new Set(writes.map((entry) => entry.docId))] },
      'sync store write failed; updates refused',
    );
    for (const entry of writes) {
      if (entry.refusal !== null) continue; // refused already (its workspace was closed)
      entry.update = null;
      entry.refusal = {
        code: DocErrorCode.storageUnavailable,
        message: 'The server could not save this change. It will be sent again.',
      };
    }
  }

  /**
   * Appends the writes. An append refused because a workspace's purge has begun
   * (`WorkspaceClosedError`, nothing of it stored) refuses that workspace's updates with
   * `workspace_deleted` — the answer a subscription to a deleted workspace gets: the writer
   * is told, never acked for a write the purge would lose — and appends the others again.
   * An append refused because private docs were closed (`DocClosedError`: their account was
   * deleted) refuses their updates likewise, with what the account's sockets were told
   * (`access_revoked`, "The account was deleted.").
   * The results are those of the writes still accepted, in order.
   */
  #append(writes: Entry[]): AppendResult[] | Promise<AppendResult[]> {
    const onClosed = (error: unknown): AppendResult[] | Promise<AppendResult[]> => {
      const refusal = closedRefusal(error);
      if (!refusal) throw error;
      for (const entry of writes) {
        if (!refusal.refuses(entry)) continue;
        entry.update = null;
        entry.refusal = { code: refusal.code, message: refusal.message, error: refusal.error };
      }
      const open = this.#writes(writes);
      // Never again for the same writes: each round refuses at least one workspace or doc.
      if (open.length === writes.length) throw error;
      return open.length === 0 ? [] : this.#append(open);
    };
    let results: AppendResult[] | Promise<AppendResult[]>;
    try {
      results = this.#appendWithRetry(writes);
    } catch (error) {
      return onClosed(error);
    }
    return results instanceof Promise ? results.catch(onClosed) : results;
  }

  #appendWithRetry(writes: Entry[]): AppendResult[] | Promise<AppendResult[]> {
    const updates: NewUpdate[] = writes.map((entry) => ({
      docId: entry.docId,
      workspaceId: entry.workspaceId,
      update: entry.update!,
    }));
    // One retry covers a transient failure (a checkpoint or backup holding a lock past
    // busy_timeout, a pooled connection found dead); a second failure is real (disk full,
    // I/O error, the database gone) and is refused.
    const retry = (first: unknown) => {
      // A refusal, not a failure: it would be refused again.
      if (first instanceof WorkspaceClosedError || first instanceof DocClosedError) throw first;
      this.log.warn({ err: first }, 'sync store write failed; retrying once');
      return this.store.append(updates);
    };
    let results: AppendResult[] | Promise<AppendResult[]>;
    try {
      results = this.store.append(updates);
    } catch (first) {
      return retry(first);
    }
    return results instanceof Promise ? results.catch(retry) : results;
  }

  /**
   * Applies stored updates to their docs; groups the stored entries by room, and lists
   * those whose doc no room holds.
   */
  #apply(batch: Entry[]): { byRoom: Map<DocRoom, Entry[]>; notLoaded: Entry[] } {
    const byRoom = new Map<DocRoom, Entry[]>();
    const notLoaded: Entry[] = [];
    for (const entry of batch) {
      if (entry.update === null || entry.refusal !== null) continue;
      let room = entry.room;
      if (!room || room.unloaded) {
        // Detached, or unloaded since the update was queued (a server update to an idle
        // doc). A room loaded meanwhile read the store before this write: it needs the
        // update. With no room, the next load reads it from the store.
        const loaded = this.loadedRoom(entry.docId);
        if (!loaded) {
          notLoaded.push(entry);
          continue;
        }
        room = entry.room = loaded;
      }
      try {
        room.apply(entry.update, entry.from, entry.logId!);
      } catch (error) {
        this.onRoomBroken(room, error);
        continue;
      }
      // The room's store bookkeeping follows what it applied (rows are applied in order).
      room.lastLogId = entry.logId!;
      room.logCount++;
      room.logBytes += entry.update.byteLength;
      room.storedBytes += entry.update.byteLength;
      const group = byRoom.get(room);
      if (group) group.push(entry);
      else byRoom.set(room, [entry]);
      this.onPersisted(room);
    }
    return { byRoom, notLoaded };
  }

  #broadcast(room: DocRoom, entries: Entry[]): void {
    if (room.unloaded) return;
    // Terms §4: updates that carry text of a disabled entry reach members redacted.
    if (room.broadcastRedacted(entries.map((entry) => entry.update!))) {
      this.fanOut.publishUpdate(
        room.docId,
        entries.length === 1 ? entries[0]!.update! : Y.mergeUpdates(entries.map((e) => e.update!)),
        lastSeq(entries),
        storedNumbers(entries),
      );
      return;
    }
    if (entries.length === 1) {
      const entry = entries[0]!;
      room.broadcastUpdate(entry.payload ?? updateMessage(entry.update!), entry.frame, entry.from);
      this.fanOut.publishUpdate(room.docId, entry.update!, entry.seq!, storedNumbers(entries));
      return;
    }
    // Several updates to one doc in one turn: merged into one frame, the same buffer for
    // every member that sent none of them. A sender never gets its own changes back.
    const merged = Y.mergeUpdates(entries.map((entry) => entry.update!));
    this.fanOut.publishUpdate(room.docId, merged, lastSeq(entries), storedNumbers(entries));
    const senders = new Map<DocSubscription, number>();
    for (const entry of entries) {
      if (entry.from && room.members.has(entry.from)) {
        senders.set(entry.from, (senders.get(entry.from) ?? 0) + 1);
      }
    }
    const [sender = null] = senders.keys();
    // The shortcut only when the one sender sent every entry: it then needs nothing back.
    // A server update, or a departed client's, in the same turn takes the general path below,
    // where it reaches every sender (CONV-1, seed 3995: skipping the sender lost a server
    // update for a stock provider for good).
    if (senders.size === 0 || (senders.size === 1 && entries.every((e) => e.from === sender))) {
      if (room.members.size > senders.size) {
        room.broadcastUpdate(updateMessage(merged), null, sender);
      }
      return;
    }
    // Members that sent nothing get the whole merge, one buffer for all of them.
    let everything: Uint8Array | null = null;
    let everythingFramed: Uint8Array | null = null;
    for (const member of room.members) {
      if (senders.has(member)) continue;
      everything ??= updateMessage(merged);
      if (member.connection.framed) everythingFramed ??= room.frame(everything);
      member.deliverUpdate(member.connection.framed ? everythingFramed! : everything);
    }
    // Senders get the others' updates in ⌈log2 k⌉ frames, each merged once (not one merge
    // per sender: that is O(k²), 14 ms per turn at 64 senders).
    const groups = new Map<DocSubscription | null, Entry[]>();
    for (const entry of entries) {
      const key = entry.from && senders.has(entry.from) ? entry.from : null;
      const group = groups.get(key);
      if (group) group.push(entry);
      else groups.set(key, [entry]);
    }
    forEachExclusion([...groups], (to, from) => {
      const one = from.length === 1 ? from[0]! : null;
      const payload = one
        ? (one.payload ?? updateMessage(one.update!))
        : updateMessage(Y.mergeUpdates(from.map((entry) => entry.update!)));
      let framed = one?.frame ?? null;
      for (const member of to) {
        if (member.connection.framed) framed ??= room.frame(payload);
        member.deliverUpdate(member.connection.framed ? framed! : payload);
      }
    });
  }

  /** Acks and refusals, per subscription in the order its updates arrived. */
  #answer(batch: Entry[]): void {
    let acks: Map<DocSubscription, number> | null = null;
    for (const entry of batch) {
      entry.done?.(
        entry.refusal ? (entry.refusal.error ?? new Error(entry.refusal.message)) : null,
      );
      const from = entry.from;
      if (from === null || from.state !== 'active') continue;
      if (entry.refusal) {
        const owed = acks?.get(from);
        if (owed) {
          from.connection.ack(from, owed);
          acks!.delete(from);
        }
        const { code, message, changes = true, retryAfterMs } = entry.refusal;
        from.connection.refuse(from, code, message, changes, retryAfterMs);
      } else {
        acks ??= new Map();
        acks.set(from, (acks.get(from) ?? 0) + 1);
      }
    }
    if (acks) for (const [from, count] of acks) from.connection.ack(from, count);
  }
}

/** A ticket doc (`<ws>:ticket:<id>`) nothing was ever stored for: its first write creates it. */
function isNewTicket(room: DocRoom): boolean {
  return (
    room.lastLogId === 0 &&
    room.storedBytes === 0 &&
    room.docId.startsWith(`${room.workspaceId}:ticket:`)
  );
}

function target(room: DocRoom): Pick<Entry, 'docId' | 'workspaceId' | 'room'> {
  return { docId: room.docId, workspaceId: room.workspaceId, room };
}

/** The highest change sequence of a room's stored entries (the last stored). */
function lastSeq(entries: Entry[]): number {
  let seq = 0;
  for (const entry of entries) seq = Math.max(seq, entry.seq ?? 0);
  return seq;
}

/** The store's numbers of the entries' updates among their doc's (the watch counts them). */
function storedNumbers(entries: Entry[]): number[] {
  const numbers: number[] = [];
  for (const entry of entries) if (entry.stored !== null) numbers.push(entry.stored);
  return numbers;
}

/** How an append's refusal of closed workspaces or docs answers the writes it concerns. */
function closedRefusal(error: unknown): {
  refuses(entry: { readonly docId: string; readonly workspaceId: string }): boolean;
  error: Error;
  code: DocErrorCode;
  message: string;
} | null {
  if (error instanceof WorkspaceClosedError) {
    const closed = new Set(error.workspaceIds);
    return {
      refuses: (entry) => closed.has(entry.workspaceId),
      error,
      code: DocErrorCode.workspaceDeleted,
      message: 'This workspace was deleted.',
    };
  }
  if (error instanceof DocClosedError) {
    const closed = new Set(error.docIds);
    return {
      refuses: (entry) => closed.has(entry.docId),
      error,
      // What the deleted account's sockets are told (AccountDeletion's `deletedReason`).
      code: DocErrorCode.accessRevoked,
      message: ACCOUNT_DELETED_MESSAGE,
    };
  }
  return null;
}
