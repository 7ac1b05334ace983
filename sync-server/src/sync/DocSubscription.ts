import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  CONTENT_DISABLED_WORDS,
  DocAccess,
  DocErrorCode,
  ProtocolError,
  YMessageType,
} from '@desk/protocol';
import type { DocRoom } from './DocRoom.ts';
import type { ConnectionLink } from './ConnectionLink.ts';
import type { StorageLimit } from './SyncAuth.ts';
import type { SyncLimits } from './SyncLimits.ts';
import type { UpdateRate } from '../billing/plans.ts';
import type { UpdatePipeline } from './UpdatePipeline.ts';
import { updateChangesDoc } from './updateChanges.ts';
import { updateVerdict } from './redactDoc.ts';

export type SubscriptionState = 'pending' | 'active' | 'closed';

/**
 * One document on one socket: the room member. Interprets the y-protocols messages the
 * client sends for this doc — answers sync step 1 from the room, hands updates to the
 * pipeline (persist, apply, broadcast, ack), relays awareness. Messages that arrive while
 * the subscription is pending (authorization or load) wait in `queue`, bounded by the
 * connection.
 */
export class DocSubscription {
  state: SubscriptionState = 'pending';
  access: DocAccess = DocAccess.read;
  /** Why updates are refused when access is read. */
  readOnlyCode: DocErrorCode = DocErrorCode.readOnlyRole;
  /** The workspace plan's document size limit; null for none. */
  maxDocBytes: number | null = null;
  /** The workspace plan's ticket limit (ticket docs per workspace); null for none. */
  maxTickets: number | null = null;
  /** The workspace plan's update rate (per connection and per workspace); null for none. */
  updateRate: UpdateRate | null = null;
  /** The workspace plan's chat messages per member per minute; null for none. */
  messagesPerMinute: number | null = null;
  /** The workspace's storage quota and use (documents plus attachments); null for none. */
  storage: StorageLimit | null = null;
  room: DocRoom | null = null;
  /**
   * The client's replica of the workspace last caught up longer ago than the offline-replica
   * limit (its `subscribe` said when; SPEC IDX-GEN-7). While set, a write that would change
   * the doc is refused with `replica_too_old`: it was made on a copy that old. Cleared when
   * the client's sync step 2 carries nothing new (no offline work: its later edits build on
   * the server's state, which it is receiving) or when it asks for the whole state (a sync
   * step 1 with an empty state vector: the reset that keeps its work as a draft).
   */
  replicaTooOld = false;
  /** Frames received while pending: [payload, frame-or-null] pairs, in arrival order. */
  queue: [Uint8Array, Uint8Array | null][] = [];
  queuedBytes = 0;
  readonly pendingSince: number;
  /** Answers to sync step 1 queued, built or being sent (updates wait for them). */
  #holds = 0;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** More arrived than the bound: dropped, a diff since `builtAt` follows the answer. */
  #overflowed = false;
  /** The room's state vector when the answer being sent was built. */
  #builtAt: Uint8Array | null = null;

  constructor(
    readonly connection: ConnectionLink,
    readonly docId: string,
    readonly workspaceId: string,
    private readonly pipeline: UpdatePipeline,
    private readonly limits: SyncLimits,
    now: number,
  ) {
    this.pendingSince = now;
  }

  /**
   * Handles one y-protocols message for this doc. `frame` is the whole /sync frame it came
   * in (reused when forwarding to other /sync members), null on /yjs. Throws ProtocolError
   * on anything malformed; the connection closes the socket with 4400.
   */
  receive(payload: Uint8Array, frame: Uint8Array | null): void {
    const room = this.room!;
    try {
      const decoder = decoding.createDecoder(payload);
      const type = decoding.readVarUint(decoder);
      switch (type) {
        case YMessageType.sync:
          this.#receiveSync(room, decoder, payload, frame);
          return;
        case YMessageType.awareness: {
          const update = decoding.readVarUint8Array(decoder);
          expectEnd(decoder);
          room.awareness.apply(update, this);
          room.broadcast(payload, frame, this);
          room.relayAwareness?.(payload);
          return;
        }
        case YMessageType.queryAwareness: {
          const snapshot = room.awareness.snapshot();
          if (snapshot) this.send(snapshot);
          return;
        }
        default:
          throw new ProtocolError(`unknown y-protocols message type ${type}`);
      }
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      // lib0 and Yjs throw plain Errors on truncated or garbage input.
      throw new ProtocolError(
        `malformed message for ${this.docId}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /**
   * Sends a broadcast update message (already framed for the connection) to this subscriber.
   * While an answer to its sync step 1 is queued, built or being sent, updates are held
   * instead: sent before that answer, they reach a replica that lacks what they build on,
   * and Yjs keeps them as pending structs, merging and retrying the whole pending set on
   * every further update — a new device opening a large doc that is written flat out spent
   * its event loop on that and never finished its first sync. Updates held when the answer
   * is built are part of it and are dropped; the rest follow its last piece.
   */
  deliverUpdate(bytes: Uint8Array): void {
    if (this.#holds === 0) {
      this.connection.send(bytes);
      return;
    }
    // Past the bound, a diff since the answer replaces what is held (`releaseUpdates`).
    if (this.#overflowed) return;
    this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
    // The same bound as the send buffer. A doc written faster than a slow link takes a
    // large answer is not a slow consumer: the rest of what it missed follows as one diff.
    if (this.#heldBytes > this.limits.maxBufferedBytes) {
      this.#overflowed = true;
      this.#held = [];
      this.#heldBytes = 0;
    }
  }

  /** An answer to a sync step 1 of this subscriber is queued: hold updates until it is sent. */
  holdUpdates(): void {
    this.#holds++;
  }

  /** The answer is being built from the room now: it contains every update held so far. */
  dropHeldUpdates(): void {
    this.#held = [];
    this.#heldBytes = 0;
    this.#overflowed = false;
    this.#builtAt = this.room?.stateVector() ?? null;
  }

  /** The answer is in the send buffer: the updates held since it was built follow it. */
  releaseUpdates(): void {
    if (this.#holds === 0 || --this.#holds > 0) return;
    const held = this.#held;
    const overflowed = this.#overflowed;
    const builtAt = this.#builtAt;
    this.#held = [];
    this.#heldBytes = 0;
    this.#overflowed = false;
    this.#builtAt = null;
    if (this.state !== 'active') return;
    if (overflowed && builtAt) {
      // Too much to hold: what the doc gained since the answer was built, as a catch-up
      // (flow-controlled, built on the worker for a large doc; updates are held for it too).
      const room = this.room!;
      this.connection.sendCatchUp(this, () => room.memberSyncStep2(builtAt));
      return;
    }
    for (const bytes of held) {
      if (this.state !== 'active') return;
      this.connection.send(bytes);
    }
  }

  /** Sends a y-protocols message for this doc to this subscriber alone. */
  send(payload: Uint8Array): void {
    this.connection.send(this.connection.framed ? this.room!.frame(payload) : payload);
  }

  #receiveSync(
    room: DocRoom,
    decoder: decoding.Decoder,
    payload: Uint8Array,
    frame: Uint8Array | null,
  ): void {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = decoding.readVarUint8Array(decoder).slice();
        expectEnd(decoder);
        // Malformed: 4400 now, not when its answer is built.
        const known = Y.decodeStateVector(stateVector);
        // A client asking for the whole document reloads it from the server: what it writes
        // from now on builds on the server's state, however old its replica was.
        if (known.size === 0) this.replicaTooOld = false;
        // Always the diff against the client's state vector, never the whole state; built
        // when the socket is ready for it, sent with flow control (a first sync may be the
        // whole document). Redacted when the doc holds disabled entries at that moment.
        this.connection.sendCatchUp(this, () => room.memberSyncStep2(stateVector));
        return;
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const update = decoding.readVarUint8Array(decoder);
        expectEnd(decoder);
        // An 'update' message can be forwarded as it came; a step 2 is re-wrapped as an
        // update so receivers do not take it for the answer to their own step 1.
        const reusable = syncType === syncProtocol.messageYjsUpdate;
        if (this.replicaTooOld && this.#refusedAsTooOld(room, update, !reusable)) return;
        this.#submitUpdate(room, update, reusable ? payload : null, reusable ? frame : null);
        return;
      }
      default:
        throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
  }

  /**
   * A write from a replica older than the offline-replica limit: refused whole when it would
   * change the doc (a large doc's deletions cannot be told cheaply: refused too — the client
   * reloads the doc and keeps only what the server lacks). A sync step 2 that changes
   * nothing clears the mark. Malformed updates still throw (4400).
   */
  #refusedAsTooOld(room: DocRoom, update: Uint8Array, isStep2: boolean): boolean {
    if (update.byteLength > this.limits.maxUpdateBytes) return false; // refused for its size
    const changes = isEmptyUpdate(update) ? false : updateChangesDoc(room, update);
    if (changes === false) {
      if (isStep2) this.replicaTooOld = false;
      return false;
    }
    this.pipeline.refuse(room, this, DocErrorCode.replicaTooOld, REPLICA_TOO_OLD_WORDS);
    return true;
  }

  #submitUpdate(
    room: DocRoom,
    update: Uint8Array,
    payload: Uint8Array | null,
    frame: Uint8Array | null,
  ): void {
    // Checked before decoding: a huge update is not decoded just to be refused. The
    // document-size limit (`maxDocBytes`) is checked by the pipeline, against the doc plus
    // the updates of the same turn stored before this one.
    if (update.byteLength > this.limits.maxUpdateBytes) {
      this.pipeline.refuse(room, this, DocErrorCode.updateTooLarge, 'The change is too large.');
      return;
    }
    if (this.access !== DocAccess.write) {
      // Whether it would change anything: /yjs closes a read-only writer only then (its
      // reconnect step 2 repeats its delete set). Decoded here, so malformed is still 4400.
      const changes = isEmptyUpdate(update) ? false : updateChangesDoc(room, update);
      this.pipeline.refuse(
        room,
        this,
        this.readOnlyCode,
        'This document is read-only for you.',
        changes,
      );
      return;
    }
    if (isEmptyUpdate(update)) {
      // Nothing to store, but it still gets its ack, in order.
      this.pipeline.submit(room, this, null, null, null);
      return;
    }
    // Validate before persisting: a stored update that does not decode would break every
    // later load of the document. The pipeline's dependency check reads the same decoding.
    const decoded = Y.decodeUpdate(update);
    // Terms §4: nothing is written into a disabled entry while it is disabled (removing the
    // whole entry is a deletion and carries nothing: allowed).
    // A large doc knows where its disabled entries are once its redacted state was built.
    const plan = room.redactionPlan();
    const touches =
      plan !== null &&
      (room.doc
        ? updateVerdict(room.doc, update, plan).touches
        : (room.large!.touchesDisabled(update, plan) ?? false));
    if (touches) {
      this.pipeline.refuse(
        room,
        this,
        DocErrorCode.contentDisabled,
        `${CONTENT_DISABLED_WORDS}; it cannot be changed.`,
      );
      return;
    }
    this.pipeline.submit(room, this, update, payload, frame, decoded);
  }
}

/** Why a write of a replica older than the offline-replica limit is refused. */
export const REPLICA_TOO_OLD_WORDS =
  'This device was offline longer than the workspace keeps offline copies: changes made on ' +
  'it then were not saved. The document was reloaded from the server; they are kept as drafts.';

/** The encoding of an update with no structs and no deletions. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}

function expectEnd(decoder: decoding.Decoder): void {
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after message');
}
