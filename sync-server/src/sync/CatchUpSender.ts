import type { SyncSocket } from './SyncSocket.ts';

/** One catch-up send: a first sync (or any answer to a sync step 1) for one subscription. */
export interface CatchUpJob {
  /** False once the subscription ended: the rest of its send is dropped. */
  live(): boolean;
  /** The y-protocols message, built when its turn comes (only one is held at a time). */
  produce(): Uint8Array | Promise<Uint8Array>;
  /** The frames that carry it on this socket (whole, or docChunk pieces). */
  frames(payload: Uint8Array): Iterable<Uint8Array>;
  /** Building it failed (a store or worker failure). */
  failed(err: unknown): void;
  /** Its last frame is in the socket's send buffer (may add another job). */
  done?(): void;
}

/**
 * The server's own catch-up sends on one socket, with real flow control: one job at a time,
 * its message built when its turn comes, its frames written while fewer than `windowBytes`
 * of them are still in the send buffer, the next one once the socket has taken the earlier
 * ones (the `ws` write callback). A first sync of any size therefore holds one message and
 * about two frames in memory, however slowly the client reads, and the bytes it has in the
 * buffer (`inFlight`) do not count against the slow-consumer rule: that rule is for
 * steady-state traffic, which the server cannot hold back.
 */
export class CatchUpSender {
  readonly #queue: CatchUpJob[] = [];
  #current: { job: CatchUpJob; frames: Iterator<Uint8Array> } | null = null;
  #producing = false;
  #inFlight = 0;
  #closed = false;

  constructor(
    private readonly socket: SyncSocket,
    private readonly windowBytes: number,
  ) {}

  /** Catch-up bytes handed to the socket and not yet written out. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether nothing is queued, being built or in the send buffer. */
  get idle(): boolean {
    return (
      this.#queue.length === 0 && this.#current === null && !this.#producing && this.#inFlight === 0
    );
  }

  add(job: CatchUpJob): void {
    if (this.#closed) return;
    this.#queue.push(job);
    this.#pump();
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#current = null;
  }

  readonly #pump = (): void => {
    while (!this.#closed && this.#inFlight < this.windowBytes) {
      const current = this.#current ?? this.#next();
      if (!current) return;
      if (!current.job.live()) {
        // The client gives up an unfinished chunked message when its next one for the doc
        // starts at offset 0, so a send can stop at any piece.
        this.#current = null;
        continue;
      }
      const step = current.frames.next();
      if (step.done) {
        this.#current = null;
        current.job.done?.();
        continue;
      }
      const frame = step.value;
      this.#inFlight += frame.byteLength;
      this.socket.send(frame, () => {
        this.#inFlight -= frame.byteLength;
        this.#pump();
      });
    }
  };

  /** Starts the next live job; null while one is being built or none is left. */
  #next(): { job: CatchUpJob; frames: Iterator<Uint8Array> } | null {
    while (!this.#producing) {
      const job = this.#queue.shift();
      if (!job) return null;
      if (!job.live()) continue;
      let produced: Uint8Array | Promise<Uint8Array>;
      try {
        produced = job.produce();
      } catch (err) {
        job.failed(err);
        continue;
      }
      if (produced instanceof Uint8Array) return this.#start(job, produced);
      this.#producing = true;
      produced.then(
        (payload) => {
          this.#producing = false;
          if (!this.#closed) this.#start(job, payload);
          this.#pump();
        },
        (err: unknown) => {
          this.#producing = false;
          if (!this.#closed) job.failed(err);
          this.#pump();
        },
      );
    }
    return null;
  }

  #start(job: CatchUpJob, payload: Uint8Array): { job: CatchUpJob; frames: Iterator<Uint8Array> } {
    this.#current = { job, frames: job.frames(payload)[Symbol.iterator]() };
    return this.#current;
  }
}
