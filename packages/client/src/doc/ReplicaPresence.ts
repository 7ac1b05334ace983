import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';

/** Where presence goes: the replica's subscription. */
export interface PresenceLink {
  /** Awareness is exchanged only on a confirmed subscription. */
  canSend(): boolean;
  send(awarenessUpdate: Uint8Array): void;
}

/** Origin of removals that must not be sent (the socket is gone anyway). */
const CONNECTION_LOST = Symbol('connection lost');

/**
 * One replica's awareness (who is here, where their cursor is), exchanged with the server
 * while the subscription is confirmed, as y-websocket does on its own socket. Local changes
 * are sent as they happen; remote ones are applied without echo.
 */
export class ReplicaPresence {
  #awareness: awarenessProtocol.Awareness;
  readonly #link: PresenceLink;

  constructor(doc: Y.Doc, link: PresenceLink) {
    this.#link = link;
    this.#awareness = new awarenessProtocol.Awareness(doc);
    // No presence until a handle is opened: a doc synced in the background is nobody's view.
    this.#awareness.setLocalState(null);
    this.#awareness.on('update', this.#onUpdate);
  }

  get awareness(): awarenessProtocol.Awareness {
    return this.#awareness;
  }

  /** An awareness update from the server. */
  applyRemote(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.#awareness, update, this);
  }

  /** The server asks for every state we know. */
  answerQuery(): void {
    this.#send([...this.#awareness.getStates().keys()]);
  }

  /** The subscription is confirmed: our own presence, if a handle is open, joins. */
  announce(): void {
    if (this.#awareness.getLocalState() !== null) this.#send([this.#awareness.clientID]);
  }

  /** We unsubscribe: our presence leaves with us (sent while still subscribed). */
  leave(): void {
    awarenessProtocol.removeAwarenessStates(
      this.#awareness,
      [this.#awareness.clientID],
      'unsubscribe',
    );
  }

  /** The connection is lost: the others' presence is stale; ours stays for the next one. */
  dropOthers(): void {
    const others = [...this.#awareness.getStates().keys()].filter(
      (client) => client !== this.#awareness.clientID,
    );
    awarenessProtocol.removeAwarenessStates(this.#awareness, others, CONNECTION_LOST);
  }

  /**
   * A reset replaced the doc: presence moves to a new awareness of `doc`, keeping our local
   * state. Our old client id leaves the room; the new doc has a new one (reusing it would
   * let a draft's items collide with new ones at the same clocks). Returns the old
   * awareness, which the caller destroys once nothing refers to the old doc.
   */
  moveTo(doc: Y.Doc): awarenessProtocol.Awareness {
    const old = this.#awareness;
    const localState = old.getLocalState();
    awarenessProtocol.removeAwarenessStates(old, [old.clientID], 'reset');
    old.off('update', this.#onUpdate);
    this.#awareness = new awarenessProtocol.Awareness(doc);
    // A new Awareness starts present (`{}`); a replica nobody has open must stay absent.
    if (localState === null) this.#awareness.setLocalState(null);
    this.#awareness.on('update', this.#onUpdate);
    if (localState !== null) this.#awareness.setLocalState(localState);
    return old;
  }

  destroy(): void {
    this.#awareness.off('update', this.#onUpdate);
    this.#awareness.destroy();
  }

  readonly #onUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this || origin === CONNECTION_LOST) return;
    this.#send([...added, ...updated, ...removed]);
  };

  #send(clients: number[]): void {
    if (!this.#link.canSend() || clients.length === 0) return;
    this.#link.send(awarenessProtocol.encodeAwarenessUpdate(this.#awareness, clients));
  }
}
