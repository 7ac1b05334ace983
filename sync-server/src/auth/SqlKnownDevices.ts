import { newId } from '../ids/newId.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  KNOWN_DEVICE_LIFETIME_MS,
  MAX_KNOWN_DEVICES_PER_USER,
  type AsyncKnownDevices,
  type KnownDevice,
} from './KnownDevices.ts';

/**
 * Known devices on the SQL seam (store/sql/): SqliteKnownDevices' rules written once for
 * SQLite and PostgreSQL. A new device and the trimming of the account's oldest beyond
 * MAX_KNOWN_DEVICES_PER_USER are one transaction; the account's row is locked first so two
 * logins on two processes trim one after the other and leave at most the maximum.
 */
export class SqlKnownDevices implements AsyncKnownDevices {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async recognise(token: string | undefined, userId: string | undefined): Promise<string | null> {
    if (!token || !userId) return null;
    const row = await this.db.get<{ id: string; user_id: string; expires_at: number }>(
      'SELECT id, user_id, expires_at FROM known_devices WHERE token_hash = ?',
      [hashSecretToken(token)],
    );
    if (!row || row.user_id !== userId || row.expires_at <= this.now()) return null;
    return row.id;
  }

  async remember(userId: string, token: string | undefined): Promise<KnownDevice> {
    const now = this.now();
    const expiresAt = now + KNOWN_DEVICE_LIFETIME_MS;
    const existing = await this.recognise(token, userId);
    if (existing && token) {
      await this.db.run('UPDATE known_devices SET last_used_at = ?, expires_at = ? WHERE id = ?', [
        now,
        expiresAt,
        existing,
      ]);
      return { id: existing, token, expiresAt };
    }
    const device = { id: newId(), token: generateSecretToken(), expiresAt };
    await this.db.transaction(async () => {
      await this.db.get(`SELECT id FROM users WHERE id = ?${this.db.dialect.forUpdate}`, [userId]);
      await this.db.run(
        `INSERT INTO known_devices (id, user_id, token_hash, created_at, last_used_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [device.id, userId, hashSecretToken(device.token), now, now, expiresAt],
      );
      await this.db.run(
        `DELETE FROM known_devices WHERE user_id = ? AND id NOT IN (
           SELECT id FROM known_devices WHERE user_id = ?
           ORDER BY last_used_at DESC, created_at DESC LIMIT ?)`,
        [userId, userId, MAX_KNOWN_DEVICES_PER_USER],
      );
    });
    return device;
  }

  async idsOf(userId: string): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      'SELECT id FROM known_devices WHERE user_id = ?',
      [userId],
    );
    return rows.map((row) => row.id);
  }

  async forgetUser(userId: string): Promise<number> {
    return (await this.db.run('DELETE FROM known_devices WHERE user_id = ?', [userId])).changes;
  }

  async sweep(): Promise<number> {
    return (await this.db.run('DELETE FROM known_devices WHERE expires_at <= ?', [this.now()]))
      .changes;
  }
}
