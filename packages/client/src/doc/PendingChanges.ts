/**
 * Local changes the server has not acknowledged yet: the step 2s and updates sent on the
 * live subscription (in send order, each `ack` pops the oldest) and the changes made while
 * nothing could be sent.
 *
 * On a lost connection the sent ones are not resent one by one: the next subscription's
 * step 2 carries the same content, so they only count as unsent until then.
 */
export class PendingChanges {
  /** Sent, not yet acknowledged step 2s and updates, in send order. */
  #inFlight: Uint8Array[] = [];
  /** Local changes made while not subscribed; the next step 2 carries them. */
  #unsent = 0;
  /** Acks still due for updates a reset moved into a draft: they pop nothing. */
  #discardAcks = 0;
  /** When the oldest local edit not acknowledged was made (clock ms). */
  #unconfirmedSince: number | null = null;

  /** Local changes not yet acknowledged ("N changes not yet saved"). */
  get count(): number {
    return this.#inFlight.length + this.#unsent;
  }

  /** Sent and waiting for an ack (as opposed to waiting for a connection). */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  /**
   * When the oldest local edit the server has not acknowledged was made; null when it has
   * them all. Only edits count: a step 2 that carries nothing the user did is not unsaved.
   */
  get unconfirmedSince(): number | null {
    return this.#unconfirmedSince;
  }

  /** A local edit was sent as an update (`sent`) or held until the next step 2. */
  edited(update: Uint8Array, sent: boolean, now: number): void {
    if (sent) this.#inFlight.push(update);
    else this.#unsent++;
    this.#unconfirmedSince ??= now;
  }

  /** Our step 2 was sent: it carries every change made while not subscribed. */
  step2Sent(update: Uint8Array): void {
    this.#inFlight.push(update);
    this.#unsent = 0;
  }

  /**
   * The server acknowledged `count` frames. Returns false when it acknowledged more than
   * was sent: a protocol mismatch, not fatal (the next subscription re-derives the truth
   * from the state vectors), but worth a log line.
   */
  acked(count: number): boolean {
    const discarded = Math.min(this.#discardAcks, count);
    this.#discardAcks -= discarded;
    const remaining = count - discarded;
    const matches = remaining <= this.#inFlight.length;
    this.#inFlight.splice(0, remaining);
    this.#forgetIfConfirmed();
    return matches;
  }

  /** The subscription ended: what was sent is unsent again, and no ack will come. */
  connectionLost(): void {
    this.#unsent += this.#inFlight.length;
    this.#inFlight = [];
    this.#discardAcks = 0;
  }

  /**
   * A reset takes every unacknowledged change into its draft. When the server refused one
   * of them (`refusedByServer`) that one is never acked; the others still may be, and
   * those acks must not pop later updates.
   */
  takeForReset(refusedByServer: boolean): Uint8Array[] {
    const taken = this.#inFlight;
    this.#discardAcks = refusedByServer ? Math.max(0, taken.length - 1) : taken.length;
    this.#inFlight = [];
    this.#unsent = 0;
    this.#forgetIfConfirmed();
    return taken;
  }

  /** The server refused another update sent before the reset: one ack fewer is due. */
  refusedDuringReset(): void {
    this.#discardAcks = Math.max(0, this.#discardAcks - 1);
  }

  #forgetIfConfirmed(): void {
    if (this.count === 0) this.#unconfirmedSince = null;
  }
}
