import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { newId } from '../ids/newId.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';

/** A reset link works for 30 minutes, once. */
export const RESET_TOKEN_LIFETIME_MS = 30 * 60 * 1000;

export type ResetLookup =
  | { readonly kind: 'valid'; readonly id: string; readonly userId: string }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'expired' };

/** Single-use password reset tokens, stored as SHA-256 only. */
export interface PasswordResetStore {
  /** A new token for the user (older unused ones stay valid until they expire or one is used). */
  create(userId: string): { token: string; expiresAt: number };
  lookup(token: string): ResetLookup;
  /** Spends every token of the user; false when `resetId` was already spent. */
  spendAllForUser(userId: string, resetId: string | null): boolean;
  /** Deletes every reset link of the user, used or not (account deletion); returns how many. */
  deleteAllForUser(userId: string): number;
}

/** The PasswordResetStore as callers see it once PostgreSQL may be behind it (`SqlPasswordResetStore`). */
export type AsyncPasswordResetStore = AsyncStore<PasswordResetStore>;

export class SqlitePasswordResetStore implements PasswordResetStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  /** A new token for the user (older unused ones stay valid until they expire or one is used). */
  create(userId: string): { token: string; expiresAt: number } {
    const token = generateSecretToken();
    const now = this.now();
    const expiresAt = now + RESET_TOKEN_LIFETIME_MS;
    this.db
      .prepare(
        'INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(newId(), userId, hashSecretToken(token), now, expiresAt);
    return { token, expiresAt };
  }

  lookup(token: string): ResetLookup {
    const row = this.db
      .prepare('SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?')
      .get(hashSecretToken(token)) as
      { id: string; user_id: string; expires_at: number; used_at: number | null } | undefined;
    if (!row || row.used_at !== null) return { kind: 'invalid' };
    if (this.now() >= row.expires_at) return { kind: 'expired' };
    return { kind: 'valid', id: row.id, userId: row.user_id };
  }

  /**
   * Marks every open token of the user used (call inside the transaction that changes the
   * password): one reset spends them all, and a password change voids pending links.
   * Returns false when `resetId` was already used — a concurrent request won.
   */
  spendAllForUser(userId: string, resetId: string | null): boolean {
    const now = this.now();
    if (resetId !== null) {
      const own = this.db
        .prepare('UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL')
        .run(now, resetId);
      if (own.changes === 0) return false;
    }
    this.db
      .prepare('UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL')
      .run(now, userId);
    return true;
  }

  deleteAllForUser(userId: string): number {
    return this.db.prepare('DELETE FROM password_resets WHERE user_id = ?').run(userId).changes;
  }
}
