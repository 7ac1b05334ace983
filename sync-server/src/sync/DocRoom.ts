import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { AwarenessRelay } from './AwarenessRelay.ts';
import type { DocSubscription } from './DocSubscription.ts';
import type { LargeDocState } from './LargeDocState.ts';
import { updateVerdict, type RedactionPlan } from './redactDoc.ts';
import { RoomRedaction } from './RoomRedaction.ts';
import {
  docFramePrefix,
  syncMessage,
  syncStep1Message,
  updateMessage,
  withPrefix,
} from './yMessages.ts';

/**
 * One loaded document: its content (equal to what the store holds: updates are applied
 * only after they are persisted), its subscribers and their presence. A room never touches
 * a socket; it hands frames to its subscriptions' connections. The content is a Y.Doc, or for
 * a large document bytes worked on off the event loop (LargeDocState): use the methods
 * here, which serve both.
 */
export class DocRoom {
  /** The live Y.Doc; null for a large document (`large`). */
  readonly doc: Y.Doc | null;
  /** A large document's bytes; null when the room holds a Y.Doc. */
  readonly large: LargeDocState | null;
  readonly members = new Set<DocSubscription>();
  readonly awareness: AwarenessRelay;
  /** Members on the multiplexed endpoint, who need frames prefixed with the doc id. */
  #framedMembers = 0;
  #prefix: Uint8Array | null = null;

  // Store bookkeeping, kept here so the pipeline and the compactor need no query.
  /** Newest log row applied to `doc`. */
  lastLogId: number;
  /** Log rows and bytes since the last compaction. */
  logCount: number;
  logBytes: number;
  /** What the document weighs in the store (merged state plus log): the plan's size limit. */
  storedBytes: number;
  idleTimer: NodeJS.Timeout | null = null;
  unloaded = false;
  /** Bumped by every applied update (what a redacted copy is up to date with). */
  version = 0;
  /**
   * Terms §4: the disabled entries of this doc as a redaction plan, or null when it holds
   * none (set from the first member's authorization: it reads the moderation store live).
   */
  planSource: ((docId: string) => RedactionPlan | null) | null = null;
  #redaction: RoomRedaction | null = null;
  /** Sends a local member's awareness message to the other processes (a cluster only). */
  relayAwareness: ((message: Uint8Array) => void) | null = null;

  constructor(
    readonly docId: string,
    readonly workspaceId: string,
    content: Y.Doc | LargeDocState,
    stored: { lastLogId: number; logCount: number; logBytes: number; storedBytes: number },
    now: () => number,
  ) {
    this.doc = content instanceof Y.Doc ? content : null;
    this.large = content instanceof Y.Doc ? null : content;
    this.awareness = new AwarenessRelay(now);
    this.lastLogId = stored.lastLogId;
    this.logCount = stored.logCount;
    this.logBytes = stored.logBytes;
    this.storedBytes = stored.storedBytes;
  }

  add(member: DocSubscription): void {
    if (this.members.has(member)) return;
    this.members.add(member);
    if (member.connection.framed) this.#framedMembers++;
  }

  /** Removes a member and its presence; tells the others its presence is gone. */
  remove(member: DocSubscription): void {
    if (!this.members.delete(member)) return;
    if (member.connection.framed) this.#framedMembers--;
    const gone = this.awareness.removeOwner(member);
    if (!gone) return;
    this.broadcast(gone, null, null);
    this.relayAwareness?.(gone);
  }

  /**
   * An awareness message another process's socket sent: recorded (owned by that process,
   * so its states time out here unless renewed) and relayed to every member.
   */
  applyRemoteAwareness(message: Uint8Array, owner: unknown): void {
    this.awareness.apply(awarenessUpdateOf(message), owner);
    this.broadcast(message, null, null);
  }

  /** The /sync frame for a y-protocols message of this doc. */
  frame(payload: Uint8Array): Uint8Array {
    this.#prefix ??= docFramePrefix(this.docId);
    return withPrefix(this.#prefix, payload);
  }

  /** The server's sync step 1 (its state vector). */
  syncStep1(): Uint8Array {
    if (this.doc) return syncStep1Message(this.doc);
    return syncMessage(
      syncProtocol.messageYjsSyncStep1,
      Y.encodeStateVector(this.large!.stateVector),
    );
  }

  /** The document's state vector, encoded. */
  stateVector(): Uint8Array {
    return this.doc ? Y.encodeStateVector(this.doc) : Y.encodeStateVector(this.large!.stateVector);
  }

  /** The answer to a sync step 1: what the doc has beyond `stateVector`. */
  syncStep2(stateVector: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (!this.doc) return this.large!.syncStep2(stateVector);
    return syncMessage(
      syncProtocol.messageYjsSyncStep2,
      Y.encodeStateAsUpdate(this.doc, stateVector),
    );
  }

  /**
   * Applies an update the store holds (its log row, or Infinity when another process
   * stored it). Throws when the update does not decode.
   */
  apply(update: Uint8Array, origin: unknown, logId: number): void {
    this.version++;
    if (this.doc) Y.applyUpdate(this.doc, update, origin);
    else this.large!.append(update, logId);
  }

  /** The next clock the document expects from `client`. */
  clock(client: number): number {
    return this.doc ? Y.getState(this.doc.store, client) : this.large!.clock(client);
  }

  /** Whether the doc holds structs or deletions waiting for others (never for bytes). */
  get hasPending(): boolean {
    return (
      this.doc !== null &&
      (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null)
    );
  }

  /** The whole document as one update (a large one built off the event loop). */
  encodeState(): Promise<Uint8Array> {
    if (this.doc) return Promise.resolve(Y.encodeStateAsUpdate(this.doc));
    return this.large!.encode();
  }

  /** The redaction plan members are served under now; null when nothing here is disabled. */
  redactionPlan(): RedactionPlan | null {
    const plan = this.planSource?.(this.docId) ?? null;
    if (plan === null && this.#redaction) {
      // Re-enabled: the copy is of no further use.
      this.#redaction.drop();
      this.#redaction = null;
    }
    return plan;
  }

  /**
   * The answer to a sync step 1 for a member: from the redacted copy when the doc holds
   * disabled entries (never from the room's own doc or the log, which hold their text).
   */
  memberSyncStep2(stateVector: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const plan = this.redactionPlan();
    if (plan === null) return this.syncStep2(stateVector);
    if (!this.doc) return this.large!.redactedSyncStep2(stateVector, plan);
    this.#redaction ??= new RoomRedaction(this.doc);
    return this.#redaction.syncStep2(plan, this.version, stateVector);
  }

  /**
   * Terms §4: broadcasts `updates` (applied already) redacted when they carry content of a
   * disabled entry — a server update such as a restore, or one another process stored — and
   * says so (true); false: broadcast them as they are. A room with a Y.Doc sends the same
   * structs from its redacted copy; a large doc (no Y.Doc) gives each member a catch-up from
   * the redacted state instead (shared per version; held updates wait for it as usual).
   */
  broadcastRedacted(updates: readonly Uint8Array[]): boolean {
    if (this.members.size === 0) return false;
    const plan = this.redactionPlan();
    if (plan === null) return false;
    if (this.doc) {
      const doc = this.doc;
      if (!updates.some((update) => updateVerdict(doc, update, plan).carries)) return false;
      this.#redaction ??= new RoomRedaction(doc);
      const payload = updateMessage(this.#redaction.update(plan, this.version, updates));
      this.broadcastUpdate(payload, null, null);
      return true;
    }
    const large = this.large!;
    // Not known yet (null: where the entries are is being found on the worker) counts as
    // touching: members then get the redacted catch-up, never text the plan disables.
    if (!updates.some((update) => large.touchesDisabled(update, plan) !== false)) return false;
    const from = new Map(large.stateVector);
    for (const update of updates) {
      for (const [client, clock] of Y.parseUpdateMeta(update).from) {
        from.set(client, Math.min(from.get(client) ?? clock, clock));
      }
    }
    const stateVector = Y.encodeStateVector(from);
    for (const member of this.members) {
      member.connection.sendCatchUp(member, () => this.memberSyncStep2(stateVector));
    }
    return true;
  }

  /** Frees the content (the room was unloaded). */
  destroy(): void {
    this.#redaction?.drop();
    this.#redaction = null;
    this.doc?.destroy();
  }

  /**
   * `broadcast` for a Yjs update message: members whose first sync is still on its way get
   * it after that (DocSubscription.deliverUpdate).
   */
  broadcastUpdate(
    payload: Uint8Array,
    framed: Uint8Array | null,
    except: DocSubscription | null,
  ): void {
    if (this.#framedMembers > 0 && framed === null) framed = this.frame(payload);
    for (const member of this.members) {
      if (member === except) continue;
      member.deliverUpdate(member.connection.framed ? framed! : payload);
    }
  }

  /**
   * Sends one y-protocols message to every member but `except`. Each frame is encoded
   * once: `payload` for /yjs members, `framed` (built here on first need, or the sender's
   * own incoming frame) for /sync members. The same buffer goes to every socket.
   */
  broadcast(payload: Uint8Array, framed: Uint8Array | null, except: DocSubscription | null): void {
    if (this.#framedMembers > 0 && framed === null) framed = this.frame(payload);
    for (const member of this.members) {
      if (member === except) continue;
      member.connection.send(member.connection.framed ? framed! : payload);
    }
  }
}

/** The update inside a whole y-protocols awareness message (type, then varUint8Array). */
function awarenessUpdateOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
}
