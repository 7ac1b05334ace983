/** The overall connection state as the client reports it (SyncStatus.kind). */
export type ConnectionKind = 'connecting' | 'offline' | 'syncing' | 'synced' | 'error';

/**
 * The part of TicketIndex this needs: ids of tickets added, removed or changed, and whether
 * the change came from outside (false for this device's writes and for a switch to another
 * index generation, which re-tells every id).
 */
export interface TicketChanges {
  observe(listener: (changedIds: Set<string>, remote: boolean) => void): () => void;
}

/**
 * "What changed while you were away" (issue 7): tickets that other people changed while this
 * device was offline. From the moment the connection is lost (or the desk opens from an
 * existing local copy) until the first time everything is in sync again, every change to
 * the index that came from the server — not from this device — marks its ticket. Marks
 * stay until the ticket is opened or the user dismisses them. A first visit (empty local
 * copy) marks nothing: everything would be "new".
 */
export class ChangedWhileAway {
  readonly #offs: (() => void)[] = [];
  readonly #listener: (ids: ReadonlySet<string>) => void;
  #ids = new Set<string>();
  /** Between losing the connection and the first full sync after it. */
  #away: boolean;

  /**
   * @param hadLocalCopy the index held tickets when the desk opened (else it is a first visit)
   * @param listener called with the marked ids after every change of the set
   */
  constructor(
    tickets: TicketChanges,
    hadLocalCopy: boolean,
    listener: (ids: ReadonlySet<string>) => void,
  ) {
    this.#listener = listener;
    this.#away = hadLocalCopy;
    // Whichever index generation the tickets live on (the desk switches in place, IDX-GEN-2):
    // the observer says whether a change came from outside.
    this.#offs.push(
      tickets.observe((ids, remote) => {
        if (!this.#away || !remote) return;
        for (const id of ids) this.#ids.add(id);
        this.#listener(this.#ids);
      }),
    );
  }

  get ids(): ReadonlySet<string> {
    return this.#ids;
  }

  /** Feed every connection state change. */
  connection(kind: ConnectionKind): void {
    if (kind === 'offline' || kind === 'error') this.#away = true;
    else if (kind === 'synced') this.#away = false;
  }

  /** The user has seen this ticket. */
  seen(ticketId: string): void {
    if (this.#ids.delete(ticketId)) this.#listener(this.#ids);
  }

  dismissAll(): void {
    if (this.#ids.size === 0) return;
    this.#ids = new Set();
    this.#listener(this.#ids);
  }

  destroy(): void {
    for (const off of this.#offs.splice(0)) off();
  }
}
