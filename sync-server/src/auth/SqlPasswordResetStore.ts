import { newId } from '../ids/newId.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  RESET_TOKEN_LIFETIME_MS,
  type AsyncPasswordResetStore,
  type ResetLookup,
} from './PasswordResets.ts';

/**
 * Password reset links on the SQL seam (store/sql/): SqlitePasswordResetStore's rules
 * written once for SQLite and PostgreSQL. A link is spent by one conditional UPDATE
 * (`used_at IS NULL`), so of two requests spending one link at once — two processes — one
 * changes the row and the other is told it lost.
 */
export class SqlPasswordResetStore implements AsyncPasswordResetStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async create(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = generateSecretToken();
    const now = this.now();
    const expiresAt = now + RESET_TOKEN_LIFETIME_MS;
    await this.db.run(
      'INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [newId(), userId, hashSecretToken(token), now, expiresAt],
    );
    return { token, expiresAt };
  }

  async lookup(token: string): Promise<ResetLookup> {
    const row = await this.db.get<{
      id: string;
      user_id: string;
      expires_at: number;
      used_at: number | null;
    }>('SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?', [
      hashSecretToken(token),
    ]);
    if (!row || row.used_at !== null) return { kind: 'invalid' };
    if (this.now() >= row.expires_at) return { kind: 'expired' };
    return { kind: 'valid', id: row.id, userId: row.user_id };
  }

  spendAllForUser(userId: string, resetId: string | null): Promise<boolean> {
    const now = this.now();
    return this.db.transaction(async () => {
      if (resetId !== null) {
        const own = await this.db.run(
          'UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL',
          [now, resetId],
        );
        if (own.changes === 0) return false;
      }
      await this.db.run(
        'UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL',
        [now, userId],
      );
      return true;
    });
  }

  async deleteAllForUser(userId: string): Promise<number> {
    return (await this.db.run('DELETE FROM password_resets WHERE user_id = ?', [userId])).changes;
  }
}
