import { AuditLog } from '../audit/AuditLog.ts';
import { normalizeEmail, looksLikeEmail } from '../http/emailAddress/index.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';

export type CreateOperatorResult =
  | { kind: 'created'; userId: string }
  | { kind: 'promoted'; userId: string }
  | { kind: 'already_operator'; userId: string };

/**
 * Makes `email` a platform operator: creates the account (with the given argon2id hash)
 * or, when the address already has one, promotes it and leaves its password alone.
 * Audited as a system action — there is no operator yet to blame for the first one.
 */
export function createOperator(
  db: SqliteDatabase,
  input: { email: string; displayName: string; passwordHash: string | null },
  now: number,
): CreateOperatorResult {
  const email = normalizeEmail(input.email);
  if (!looksLikeEmail(email)) throw new Error(`"${input.email}" is not an email address.`);
  return db
    .transaction((): CreateOperatorResult => {
      const existing = db
        .prepare('SELECT id, platform_role FROM users WHERE email = ?')
        .get(email) as { id: string; platform_role: string | null } | undefined;
      let result: CreateOperatorResult;
      if (existing) {
        if (existing.platform_role === 'operator') {
          return { kind: 'already_operator', userId: existing.id };
        }
        db.prepare(`UPDATE users SET platform_role = 'operator', updated_at = ? WHERE id = ?`).run(
          now,
          existing.id,
        );
        result = { kind: 'promoted', userId: existing.id };
      } else {
        if (!input.passwordHash) throw new Error('A password is needed to create a new account.');
        const userId = newId();
        db.prepare(
          `INSERT INTO users (id, email, display_name, password_hash, platform_role, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'operator', ?, ?)`,
        ).run(userId, email, input.displayName.trim() || email, input.passwordHash, now, now);
        result = { kind: 'created', userId };
      }
      AuditLog.record(
        db,
        {
          actor: { kind: 'system', userId: null },
          action: result.kind === 'created' ? 'operator.created' : 'operator.promoted',
          target: { kind: 'user', id: result.userId },
          details: { via: 'cli' },
        },
        now,
      );
      return result;
    })
    .immediate();
}
