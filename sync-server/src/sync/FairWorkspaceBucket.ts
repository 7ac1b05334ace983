import type { RateLimit } from '../billing/plans.ts';
import { TokenBucket } from './TokenBucket.ts';

/**
 * How long a connection's use of its workspace's bucket is remembered: the time constant of
 * its decay (ms). Long enough to tell a flood from a burst of typing, short enough that a
 * connection that stopped flooding is soon welcome again.
 * @default 10_000
 */
export const USE_MEMORY_MS = 10_000;

/** Remembered use below this: the connection no longer counts as a writer of the workspace. */
const IDLE_USE = 0.05;

/** The part of the workspace's burst only connections within their fair share may take. */
const RESERVE_FRACTION = 0.25;

interface Use {
  value: number;
  at: number;
}

/**
 * A workspace's update bucket (SPEC.md, LIMIT-9), shared fairly by its connections.
 *
 * A plain shared bucket lets one flooding connection take every token, so every other
 * connection of the workspace is refused. Here each connection's recent use is remembered
 * (decaying over `USE_MEMORY_MS`), and a connection over its fair share — the workspace's
 * recent use split evenly between the connections writing, counting at least two — is
 * throttled first: it cannot take the last `reserve` tokens. Those are kept for the
 * connections within their share, so a normal writer is still taken while another floods,
 * from the flood's first token on. A connection alone in its workspace is held to the rest,
 * which leaves the reserve for whoever writes next; the plans' per-connection burst sits
 * below the rest of every workspace burst, so this only matters when one connection could
 * take the workspace's whole rate on its own.
 */
export class FairWorkspaceBucket {
  readonly #bucket: TokenBucket;
  /** Tokens only a connection within its fair share may take. */
  #reserve: number;
  readonly #uses = new Map<object, Use>();
  /** When quiet connections were last forgotten (take). */
  #prunedAt: number;

  constructor(limit: RateLimit, now: number) {
    this.#bucket = new TokenBucket(limit, now);
    this.#prunedAt = now;
    this.#reserve = reserveOf(limit);
  }

  get limit(): RateLimit {
    return this.#bucket.limit;
  }

  get reserve(): number {
    return this.#reserve;
  }

  /** Goes on at `limit` (this process's share changed), keeping what it holds (TokenBucket). */
  rescale(limit: RateLimit, now: number): void {
    this.#bucket.rescale(limit, now);
    this.#reserve = reserveOf(limit);
  }

  /** How long until `connection` may take a token, in ms (0: now). */
  waitMs(connection: object, now: number): number {
    // More than the reserve left: anyone may take a token, within its share or not, so the
    // share (a walk over every writer of the workspace) is not worked out for every update
    // (issue 13: 1,000 connections of one workspace, each update walked all of them).
    if (this.#bucket.available(now) >= this.#reserve + 1) return 0;
    const floor = this.overShare(connection, now) ? this.#reserve : 0;
    return this.#bucket.waitMs(now, floor + 1);
  }

  /** Takes one token for `connection`; call only after `waitMs(connection, now) === 0`. */
  take(connection: object, now: number): void {
    this.#bucket.take();
    const use = this.#uses.get(connection);
    if (use) {
      use.value = decayed(use, now) + 1;
      use.at = now;
    } else {
      this.#uses.set(connection, { value: 1, at: now });
    }
    if (now - this.#prunedAt >= USE_MEMORY_MS) this.#forgetQuiet(now);
  }

  /** Full at `now`: it holds nothing worth remembering. */
  full(now: number): boolean {
    return this.#bucket.full(now);
  }

  /** Whether `connection` has used more than its fair share of the bucket lately. */
  overShare(connection: object, now: number): boolean {
    let writers = 0;
    let own = 0;
    let total = 0;
    for (const [writer, use] of this.#uses) {
      const value = decayed(use, now);
      if (value < IDLE_USE) {
        this.#uses.delete(writer); // gone quiet (or closed): forgotten
        continue;
      }
      writers++;
      total += value;
      if (writer === connection) own = value;
    }
    if (own === 0) writers++; // the one asking writes too
    return own > total / Math.max(2, writers);
  }

  /** Forgets connections gone quiet (or closed), also while nobody is over the reserve. */
  #forgetQuiet(now: number): void {
    this.#prunedAt = now;
    for (const [writer, use] of this.#uses) {
      if (decayed(use, now) < IDLE_USE) this.#uses.delete(writer);
    }
  }
}

function reserveOf(limit: RateLimit): number {
  // A bucket of one token has nothing to reserve.
  return limit.burst < 2
    ? 0
    : Math.min(limit.burst - 1, Math.max(1, Math.floor(limit.burst * RESERVE_FRACTION)));
}

function decayed(use: Use, now: number): number {
  // A clock that steps back decays nothing.
  return use.value * Math.exp(-Math.max(0, now - use.at) / USE_MEMORY_MS);
}
