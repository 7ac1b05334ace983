import * as Y from 'yjs';

/**
 * A client's local Yjs document that produces small, real updates: each write sets the
 * client's own key of one shared map, so it adds exactly one item (one clock tick) and
 * deletes the client's previous value. Because every write advances the clock by one, the
 * n-th write of a client is identified by (clientID, clock) in any update that carries it,
 * however the server re-encodes or merges updates.
 */
export class WritingDoc {
  readonly doc = new Y.Doc();
  private readonly map = this.doc.getMap<number>('bench');
  private lastUpdate: Uint8Array | null = null;
  /** Written as the value so consecutive updates differ visibly when debugging. */
  private writes = 0;

  constructor(readonly clientID: number) {
    this.doc.clientID = clientID;
    this.doc.on('update', (update: Uint8Array) => (this.lastUpdate = update));
  }

  /** Writes once; returns the update and the clock it occupies. */
  write(): { update: Uint8Array; clock: number } {
    const clock = Y.getState(this.doc.store, this.clientID);
    this.map.set(String(this.clientID), this.writes++);
    const update = this.lastUpdate;
    if (!update) throw new Error('a map write produced no update');
    this.lastUpdate = null;
    return { update, clock };
  }
}
