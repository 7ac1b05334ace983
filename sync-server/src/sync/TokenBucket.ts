import type { RateLimit } from '../billing/plans.ts';

/** A token bucket on an injected clock (ms): `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #at: number;
  #limit: RateLimit;

  constructor(limit: RateLimit, now: number) {
    this.#limit = limit;
    this.#tokens = limit.burst;
    this.#at = now;
  }

  get limit(): RateLimit {
    return this.#limit;
  }

  /**
   * Goes on at `limit` from `now`: what was refilled until now at the old rate is kept, up to
   * the new burst. Not a fresh bucket: a change of rate must not hand out a burst.
   */
  rescale(limit: RateLimit, now: number): void {
    this.#refill(now);
    this.#limit = limit;
    this.#tokens = Math.min(limit.burst, this.#tokens);
  }

  /** Tokens available at `now` (fractional while refilling). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** How long until `tokens` (default one) are available at `now`, in ms (0: they are). */
  waitMs(now: number, tokens = 1): number {
    const missing = tokens - this.available(now);
    // Less a rounding error's worth: 0.99 tokens refilled is not 1.0000000000000009 ms short.
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.#limit.perSecond - 1e-9);
  }

  /** Takes one token; call only after `waitMs(now) === 0`. */
  take(): void {
    this.#tokens -= 1;
  }

  /** Full at `now`: it holds nothing worth remembering. */
  full(now: number): boolean {
    return this.available(now) >= this.#limit.burst;
  }

  #refill(now: number): void {
    // A clock that steps back refills nothing (and takes nothing back).
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(
      this.#limit.burst,
      this.#tokens + (elapsed * this.#limit.perSecond) / 1000,
    );
  }
}
