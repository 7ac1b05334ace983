import { ErrorCode } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { AppError } from '../http/AppError.ts';
import { describeSeconds, RATE_LIMIT_MAX_WINDOW_MS } from '../http/rateLimit/index.ts';

/** Growing delays for one kind of key: free failures, then a delay that doubles. */
export interface Backoff {
  /** Failures within the window that cost nothing (typing mistakes). */
  readonly freeFailures: number;
  /** Delay after the first failure beyond the free ones, in milliseconds; doubles each time. */
  readonly baseDelayMs: number;
  /** The delay never grows beyond this, in milliseconds. */
  readonly maxDelayMs: number;
  /** Failures older than this no longer count, in milliseconds. */
  readonly windowMs: number;
}

export interface ThrottleKey {
  readonly key: string;
  readonly backoff: Backoff;
}

/** One admitted login attempt, counted as a failure until `succeeded` says otherwise. */
export interface LoginAttempt {
  readonly rowIds: readonly number[];
}

/** Throttle keys of login; in one place so the routes, a reset and tests agree. */
export const loginKeys = {
  /** Every failure on the account, from anywhere: the ceiling of a distributed guess. */
  account: (email: string) => `login:account:${email}`,
  /** The same account from one address. JSON keeps the email prefix-free (see `forget`). */
  accountFromAddress: (email: string, address: string | null) =>
    `${accountFromAddressPrefix(email)}${address ?? 'unknown'}`,
  /** One address, whatever the account: stops spraying many accounts. */
  address: (address: string | null) => `login:ip:${address ?? 'unknown'}`,
  /** A known device of the account (its device cookie). */
  device: (deviceId: string) => `login:device:${deviceId}`,
} as const;

/** Where the (account, address) keys of one account begin: what `forgetAccount` deletes. */
export function accountFromAddressPrefix(email: string): string {
  return `login:account-address:${JSON.stringify(email)}:`;
}

/** The 429 `rate_limited` an attempt gets while its keys' delay lasts `waitMs` more. */
export function throttled(waitMs: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(
    ErrorCode.rateLimited,
    429,
    `Too many failed attempts. Try again in ${describeSeconds(retryAfter)}.`,
    { retryAfter },
  );
}

/** The delay a key's `failures` (within its window) impose after the latest one. */
export function backoffDelayMs(failures: number, backoff: Backoff): number {
  if (failures <= backoff.freeFailures) return 0;
  const doublings = failures - backoff.freeFailures - 1;
  return Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** doublings);
}

/**
 * Login failures per key with exponential backoff, kept in `rate_limit_hits` (one row per
 * failure) so a restart hands no one a fresh budget. Instead of a hard lock, each key allows
 * a few free failures and then makes its holder wait a delay that doubles with every further
 * failure; a key's failures expire with its window. The caller picks the keys: a client
 * without a device cookie answers to (account, address), address and account; a known
 * device only to its own key, which is what lets the owner in while someone else guesses.
 *
 * An attempt is counted before the password is checked (so a burst of parallel guesses sees
 * itself) and uncounted when it succeeds. Rows of table `rate_limit_hits`.
 */
export interface LoginThrottle {
  /**
   * Admits an attempt under every key, or throws 429 `rate_limited` with `retryAfter` (whole
   * seconds) until the longest of their delays has passed.
   */
  begin(keys: readonly ThrottleKey[]): LoginAttempt;
  /** The password was right: the attempt was no failure, and `clear` keys start afresh. */
  succeeded(attempt: LoginAttempt, clear: readonly string[]): void;
  /**
   * Forgets every failure counted against the account: its own key, its (account, address)
   * keys and the keys of its known devices. After a completed password reset.
   */
  forgetAccount(email: string, deviceIds: readonly string[]): void;
}

/** The LoginThrottle as callers see it once PostgreSQL may be behind it (`SqlLoginThrottle`). */
export type AsyncLoginThrottle = AsyncStore<LoginThrottle>;

export class SqliteLoginThrottle implements LoginThrottle {
  readonly #stats;
  readonly #insert;
  readonly #prune;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.#stats = db.prepare(
      'SELECT COUNT(*) AS n, MAX(at) AS latest FROM rate_limit_hits WHERE key = ? AND at > ?',
    );
    this.#insert = db.prepare('INSERT INTO rate_limit_hits (key, at) VALUES (?, ?)');
    this.#prune = db.prepare('DELETE FROM rate_limit_hits WHERE key = ? AND at <= ?');
  }

  /**
   * Admits an attempt under every key, or throws 429 `rate_limited` with `retryAfter` (whole
   * seconds) until the longest of their delays has passed.
   */
  begin(keys: readonly ThrottleKey[]): LoginAttempt {
    for (const { backoff } of keys) {
      if (backoff.windowMs > RATE_LIMIT_MAX_WINDOW_MS) {
        throw new Error(`login backoff window of ${backoff.windowMs} ms exceeds the sweep's`);
      }
    }
    const now = this.now();
    // Immediate: parallel attempts are admitted one at a time, each seeing the others.
    return this.db
      .transaction((): LoginAttempt => {
        let waitUntil = now;
        for (const { key, backoff } of keys) {
          const since = now - backoff.windowMs;
          this.#prune.run(key, since);
          const { n, latest } = this.#stats.get(key, since) as { n: number; latest: number | null };
          if (latest === null) continue;
          waitUntil = Math.max(waitUntil, latest + backoffDelayMs(n, backoff));
        }
        if (waitUntil > now) throw throttled(waitUntil - now);
        const rowIds = keys.map(({ key }) => Number(this.#insert.run(key, now).lastInsertRowid));
        return { rowIds };
      })
      .immediate();
  }

  /** The password was right: the attempt was no failure, and `clear` keys start afresh. */
  succeeded(attempt: LoginAttempt, clear: readonly string[]): void {
    this.db.transaction(() => {
      const remove = this.db.prepare('DELETE FROM rate_limit_hits WHERE rowid = ?');
      for (const rowId of attempt.rowIds) remove.run(rowId);
      const forget = this.db.prepare('DELETE FROM rate_limit_hits WHERE key = ?');
      for (const key of clear) forget.run(key);
    })();
  }

  /**
   * Forgets every failure counted against the account: its own key, its (account, address)
   * keys and the keys of its known devices. After a completed password reset.
   */
  forgetAccount(email: string, deviceIds: readonly string[]): void {
    const prefix = accountFromAddressPrefix(email);
    this.db.transaction(() => {
      const forget = this.db.prepare('DELETE FROM rate_limit_hits WHERE key = ?');
      forget.run(loginKeys.account(email));
      for (const id of deviceIds) forget.run(loginKeys.device(id));
      // instr, not LIKE: an email may hold % or _.
      this.db.prepare('DELETE FROM rate_limit_hits WHERE instr(key, ?) = 1').run(prefix);
    })();
  }
}
