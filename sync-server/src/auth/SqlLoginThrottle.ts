import { RATE_LIMIT_MAX_WINDOW_MS } from '../http/rateLimit/index.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  accountFromAddressPrefix,
  backoffDelayMs,
  loginKeys,
  throttled,
  type AsyncLoginThrottle,
  type LoginAttempt,
  type ThrottleKey,
} from './LoginThrottle.ts';

/**
 * Login failures on the SQL seam (store/sql/): SqliteLoginThrottle's backoff written once
 * for SQLite and PostgreSQL (rows of `rate_limit_hits`, an attempt named by its rows'
 * `rowid`). Counting and admitting an attempt is one transaction holding each key's named
 * lock (`dialect.namedLock`, taken in key order so two attempts cannot deadlock): a burst of
 * guesses spread over processes counts itself exactly as it does in one.
 */
export class SqlLoginThrottle implements AsyncLoginThrottle {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  begin(keys: readonly ThrottleKey[]): Promise<LoginAttempt> {
    for (const { backoff } of keys) {
      if (backoff.windowMs > RATE_LIMIT_MAX_WINDOW_MS) {
        throw new Error(`login backoff window of ${backoff.windowMs} ms exceeds the sweep's`);
      }
    }
    const now = this.now();
    return this.db.transaction(async (): Promise<LoginAttempt> => {
      const lock = this.db.dialect.namedLock;
      if (lock) {
        for (const key of [...new Set(keys.map((k) => k.key))].sort()) {
          await this.db.get(lock, [`login-throttle:${key}`]);
        }
      }
      let waitUntil = now;
      for (const { key, backoff } of keys) {
        const since = now - backoff.windowMs;
        await this.db.run('DELETE FROM rate_limit_hits WHERE key = ? AND at <= ?', [key, since]);
        const stats = await this.db.get<{ n: number; latest: number | null }>(
          'SELECT COUNT(*) AS n, MAX(at) AS latest FROM rate_limit_hits WHERE key = ? AND at > ?',
          [key, since],
        );
        if (!stats || stats.latest === null) continue;
        waitUntil = Math.max(waitUntil, stats.latest + backoffDelayMs(stats.n, backoff));
      }
      if (waitUntil > now) throw throttled(waitUntil - now);
      const rowIds: number[] = [];
      for (const { key } of keys) {
        const row = await this.db.get<{ rowid: number }>(
          'INSERT INTO rate_limit_hits (key, at) VALUES (?, ?) RETURNING rowid',
          [key, now],
        );
        rowIds.push(Number(row!.rowid));
      }
      return { rowIds };
    });
  }

  succeeded(attempt: LoginAttempt, clear: readonly string[]): Promise<void> {
    return this.db.transaction(async () => {
      for (const rowId of attempt.rowIds) {
        await this.db.run('DELETE FROM rate_limit_hits WHERE rowid = ?', [rowId]);
      }
      for (const key of clear)
        await this.db.run('DELETE FROM rate_limit_hits WHERE key = ?', [key]);
    });
  }

  forgetAccount(email: string, deviceIds: readonly string[]): Promise<void> {
    const prefix = accountFromAddressPrefix(email);
    return this.db.transaction(async () => {
      await this.db.run('DELETE FROM rate_limit_hits WHERE key = ?', [loginKeys.account(email)]);
      for (const id of deviceIds) {
        await this.db.run('DELETE FROM rate_limit_hits WHERE key = ?', [loginKeys.device(id)]);
      }
      // substr and length count characters on both engines (instr is SQLite's only).
      await this.db.run(
        'DELETE FROM rate_limit_hits WHERE substr(key, 1, length(CAST(? AS TEXT))) = ?',
        [prefix, prefix],
      );
    });
  }
}
