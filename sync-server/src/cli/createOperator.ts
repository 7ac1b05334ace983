import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { normalizeEmail, looksLikeEmail } from '../http/emailAddress/index.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { SqliteUserStore } from '../identity/UserStore.ts';

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
  // The CLI runs without a server: the same store the server uses, on the same file.
  const users = new SqliteUserStore(db, () => now);
  const audit = new SqliteAuditStore(db, () => now);
  return sqliteTransactions(db).write((): CreateOperatorResult => {
    const existing = users.byEmail(email);
    let result: CreateOperatorResult;
    if (existing) {
      if (existing.platformRole === 'operator') {
        return { kind: 'already_operator', userId: existing.id };
      }
      users.makeOperator(existing.id);
      result = { kind: 'promoted', userId: existing.id };
    } else {
      if (!input.passwordHash) throw new Error('A password is needed to create a new account.');
      const userId = users.create({
        email,
        displayName: input.displayName.trim() || email,
        passwordHash: input.passwordHash,
        platformRole: 'operator',
      });
      result = { kind: 'created', userId };
    }
    audit.record({
      actor: { kind: 'system', userId: null },
      action: result.kind === 'created' ? 'operator.created' : 'operator.promoted',
      target: { kind: 'user', id: result.userId },
      details: { via: 'cli' },
    });
    return result;
  });
}
