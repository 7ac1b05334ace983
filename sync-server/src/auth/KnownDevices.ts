import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { newId } from '../ids/newId.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';

const day = 24 * 60 * 60 * 1000;

/**
 * How long a browser stays a known device of an account after its last successful login.
 * @default 365 days — an owner who logs in once a year is still recognised; each login
 * extends it.
 */
export const KNOWN_DEVICE_LIFETIME_MS = 365 * day;

/**
 * Known devices kept per account; a login beyond this forgets the least recently used.
 * @default 20 — phones, laptops and browsers of one person, with room; it bounds the rows a
 * script logging in without keeping cookies can create.
 */
export const MAX_KNOWN_DEVICES_PER_USER = 20;

export interface KnownDevice {
  /** Public id: names the device's own throttle key, never the secret. */
  readonly id: string;
  /** The cookie's value: shown once, only its SHA-256 is stored. */
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Device cookies after OWASP's "Slow down online guessing attacks with device cookies",
 * stored the way lucia-auth.com stores sessions: the browser holds 160 random bits, the row
 * their SHA-256 and the account it logged in to. The cookie proves nothing by itself (a
 * password is still needed); it only lets its holder past the failures other clients
 * piled up on the account. Table `known_devices`.
 */
export interface KnownDevices {
  /** The device id when `token` is a live device cookie of `userId`, else null. */
  recognise(token: string | undefined, userId: string | undefined): string | null;
  /**
   * After a successful login: extends the device the browser already is (`token` still
   * valid for `userId`), or makes it a new one. Returns the cookie to set.
   */
  remember(userId: string, token: string | undefined): KnownDevice;
  /** Ids of the account's devices (to clear their throttle keys after a reset). */
  idsOf(userId: string): string[];
  /** Forgets every device of the account (account deletion); returns how many. */
  forgetUser(userId: string): number;
  /** Deletes expired devices; returns how many. */
  sweep(): number;
}

/** The KnownDevices as callers see it once PostgreSQL may be behind it (`SqlKnownDevices`). */
export type AsyncKnownDevices = AsyncStore<KnownDevices>;

export class SqliteKnownDevices implements KnownDevices {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  /** The device id when `token` is a live device cookie of `userId`, else null. */
  recognise(token: string | undefined, userId: string | undefined): string | null {
    if (!token || !userId) return null;
    const row = this.db
      .prepare('SELECT id, user_id, expires_at FROM known_devices WHERE token_hash = ?')
      .get(hashSecretToken(token)) as
      { id: string; user_id: string; expires_at: number } | undefined;
    if (!row || row.user_id !== userId || row.expires_at <= this.now()) return null;
    return row.id;
  }

  /**
   * After a successful login: extends the device the browser already is (`token` still
   * valid for `userId`), or makes it a new one. Returns the cookie to set.
   */
  remember(userId: string, token: string | undefined): KnownDevice {
    const now = this.now();
    const expiresAt = now + KNOWN_DEVICE_LIFETIME_MS;
    const existing = this.recognise(token, userId);
    if (existing && token) {
      this.db
        .prepare('UPDATE known_devices SET last_used_at = ?, expires_at = ? WHERE id = ?')
        .run(now, expiresAt, existing);
      return { id: existing, token, expiresAt };
    }
    const device = { id: newId(), token: generateSecretToken(), expiresAt };
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO known_devices (id, user_id, token_hash, created_at, last_used_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(device.id, userId, hashSecretToken(device.token), now, now, expiresAt);
        this.db
          .prepare(
            `DELETE FROM known_devices WHERE user_id = ? AND id NOT IN (
               SELECT id FROM known_devices WHERE user_id = ?
               ORDER BY last_used_at DESC, created_at DESC LIMIT ?)`,
          )
          .run(userId, userId, MAX_KNOWN_DEVICES_PER_USER);
      })
      .immediate();
    return device;
  }

  /** Ids of the account's devices (to clear their throttle keys after a reset). */
  idsOf(userId: string): string[] {
    return (
      this.db.prepare('SELECT id FROM known_devices WHERE user_id = ?').all(userId) as {
        id: string;
      }[]
    ).map((row) => row.id);
  }

  /** Forgets every device of the account (account deletion); returns how many. */
  forgetUser(userId: string): number {
    return this.db.prepare('DELETE FROM known_devices WHERE user_id = ?').run(userId).changes;
  }

  /** Deletes expired devices; returns how many. */
  sweep(): number {
    return this.db.prepare('DELETE FROM known_devices WHERE expires_at <= ?').run(this.now())
      .changes;
  }
}
