export interface BackoffOptions {
  /**
   * Ceiling of the first delay, in ms; each failed attempt doubles it.
   * @default 1000
   */
  baseMs?: number;
  /**
   * Cap of the ceiling, in ms.
   * @default 30000
   */
  maxMs?: number;
  /**
   * Smallest delay, in ms, so a flapping server is never hammered in a tight loop.
   * @default 100
   */
  minMs?: number;
  /** Uniform random in [0, 1); injected in tests. @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the delay is uniform in [minMs, ceiling], the
 * ceiling doubling per attempt up to maxMs. Full jitter spreads a crowd of clients that lost
 * the same server at the same moment (a restart, 1012) over the whole window instead of
 * sending them back in synchronized waves.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #minMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 1000;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#minMs = Math.min(options.minMs ?? 100, this.#maxMs);
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const ceiling = this.ceiling();
    // 2^30 × base is far past any cap; stop counting so the exponent cannot overflow.
    if (this.#attempt < 30) this.#attempt++;
    const delay = this.#minMs + this.#random() * Math.max(0, ceiling - this.#minMs);
    return Math.round(delay);
  }

  /** The upper bound of the next delay. */
  ceiling(): number {
    return Math.min(this.#maxMs, this.#baseMs * 2 ** this.#attempt);
  }

  /** After a stable connection: the next failure starts from the base again. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempt(): number {
    return this.#attempt;
  }
}
