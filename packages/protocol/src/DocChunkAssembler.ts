import type { DocChunkMessage } from './messages.ts';

/** Why a docChunk could not be taken. */
export const ChunkErrorCode = {
  /** The message would take reassembly past its memory bound. */
  tooLarge: 'too_large',
  /** A piece that does not continue the doc's message where it stopped (a broken sender). */
  outOfOrder: 'out_of_order',
} as const;
export type ChunkErrorCode = (typeof ChunkErrorCode)[keyof typeof ChunkErrorCode];

export class ChunkError extends Error {
  constructor(
    readonly code: ChunkErrorCode,
    readonly docId: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChunkError';
  }
}

/**
 * Default bound on the bytes held for unfinished chunked messages of one socket, over all
 * docs: far above any document a browser tab can hold, low enough that a broken or hostile
 * sender cannot make it allocate without limit.
 * @default 1 GiB
 */
export const DEFAULT_MAX_REASSEMBLY_BYTES = 1024 * 1024 * 1024;

interface Partial {
  /** Null while the rest of a refused message is skipped. */
  buffer: Uint8Array | null;
  total: number;
  received: number;
}

/**
 * Puts docChunk frames back together into the y-protocols messages they were cut from
 * (SPEC.md, CHUNK). One per socket: pieces of one doc's message arrive in
 * order from offset 0; a piece at offset 0 starts a new message and abandons an unfinished
 * one (the sender gave it up, e.g. after an unsubscribe). Memory is bounded: the whole
 * message is allocated once from its announced `total`, and the totals held at once may not
 * pass `maxBytes`.
 */
export class DocChunkAssembler {
  readonly #partials = new Map<string, Partial>();
  #heldBytes = 0;

  constructor(readonly maxBytes = DEFAULT_MAX_REASSEMBLY_BYTES) {}

  /** Bytes allocated for unfinished messages. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Takes one piece; returns the whole message once its last piece arrived, else null.
   * Throws ChunkError: `too_large` (the rest of that message is then skipped, so the caller
   * may carry on) or `out_of_order` (the stream is broken; close the socket).
   */
  add(chunk: DocChunkMessage): Uint8Array | null {
    const { docId, total, offset, bytes } = chunk;
    let partial = this.#partials.get(docId);
    if (offset === 0) {
      if (partial) this.drop(docId);
      if (bytes.length === total) return bytes;
      if (this.#heldBytes + total > this.maxBytes) {
        this.#partials.set(docId, { buffer: null, total, received: bytes.length });
        throw new ChunkError(
          ChunkErrorCode.tooLarge,
          docId,
          `a ${total}-byte message for ${docId} exceeds the reassembly bound of ${this.maxBytes} bytes`,
        );
      }
      partial = { buffer: new Uint8Array(total), total, received: 0 };
      this.#partials.set(docId, partial);
      this.#heldBytes += total;
    } else if (!partial || partial.total !== total || partial.received !== offset) {
      throw new ChunkError(
        ChunkErrorCode.outOfOrder,
        docId,
        `chunk at ${offset} of ${total} for ${docId} does not continue its message`,
      );
    }
    partial.buffer?.set(bytes, offset);
    partial.received = offset + bytes.length;
    if (partial.received < partial.total) return null;
    const whole = partial.buffer;
    this.drop(docId);
    return whole;
  }

  /** Forgets the doc's unfinished message (unsubscribed). */
  drop(docId: string): void {
    const partial = this.#partials.get(docId);
    if (!partial) return;
    this.#partials.delete(docId);
    if (partial.buffer) this.#heldBytes -= partial.total;
  }

  /** Forgets everything (the socket is gone). */
  clear(): void {
    this.#partials.clear();
    this.#heldBytes = 0;
  }
}
