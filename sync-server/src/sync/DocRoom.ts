import * as Y from 'yjs';
import { AwarenessRelay } from './AwarenessRelay.ts';
import type { DocSubscription } from './DocSubscription.ts';
import * as syncProtocol from 'y-protocols/sync';
import { docFramePrefix, syncMessage, syncStep1Message, withPrefix } from './yMessages.ts';

/**
 * One loaded document: its Y.Doc (equal to what the store holds: updates are applied only
 * after they are persisted), its subscribers and their presence. A room never touches a
 * socket; it hands frames to its subscriptions' sessions.
 */
export class DocRoom {
  readonly doc: Y.Doc;
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

  constructor(
    readonly docId: string,
    readonly workspaceId: string,
    doc: Y.Doc,
    stored: { lastLogId: number; logCount: number; logBytes: number; storedBytes: number },
    now: () => number,
  ) {
    this.doc = doc;
    this.awareness = new AwarenessRelay(now);
    this.lastLogId = stored.lastLogId;
    this.logCount = stored.logCount;
    this.logBytes = stored.logBytes;
    this.storedBytes = stored.storedBytes;
  }

  add(member: DocSubscription): void {
    if (this.members.has(member)) return;
    this.members.add(member);
    if (member.session.framed) this.#framedMembers++;
  }

  /** Removes a member and its presence; tells the others its presence is gone. */
  remove(member: DocSubscription): void {
    if (!this.members.delete(member)) return;
    if (member.session.framed) this.#framedMembers--;
    const gone = this.awareness.removeOwner(member);
    if (gone) this.broadcast(gone, null, null);
  }

  /** The /sync frame for a y-protocols message of this doc. */
  frame(payload: Uint8Array): Uint8Array {
    this.#prefix ??= docFramePrefix(this.docId);
    return withPrefix(this.#prefix, payload);
  }

  syncStep1(): Uint8Array {
    return syncStep1Message(this.doc);
  }

  /** The answer to a sync step 1: what the doc has beyond `stateVector`. */
  syncStep2(stateVector: Uint8Array): Uint8Array | Promise<Uint8Array> {
    return syncMessage(
      syncProtocol.messageYjsSyncStep2,
      Y.encodeStateAsUpdate(this.doc, stateVector),
    );
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
      member.session.send(member.session.framed ? framed! : payload);
    }
  }
}
