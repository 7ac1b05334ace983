import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { normalizeEmail, looksLikeEmail } from '../http/emailAddress/index.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

export type CreateOperatorResult =
  | { kind: 'created'; userId: string }
  | { kind: 'promoted'; userId: string }
  | { kind: 'already_operator'; userId: string };

/** What making an operator reads and writes: the server's control plane, either backend. */
export interface OperatorAccountStores {
  readonly users: AsyncStore<UserStore>;
  readonly audit: AsyncStore<AuditStore>;
  readonly transactions: AsyncTransactions;
}

/**
 * Makes `email` a platform operator: creates the account (with the given argon2id hash)
 * or, when the address already has one, promotes it and leaves its password alone.
 * Audited as a system action — there is no operator yet to blame for the first one.
 */
export async function createOperator(
  stores: OperatorAccountStores,
  input: { email: string; displayName: string; passwordHash: string | null },
): Promise<CreateOperatorResult> {
  const email = normalizeEmail(input.email);
  if (!looksLikeEmail(email)) throw new Error(`"${input.email}" is not an email address.`);
  const { users, audit } = stores;
  return stores.transactions.write(async (): Promise<CreateOperatorResult> => {
    const existing = await users.byEmail(email);
    let result: CreateOperatorResult;
    if (existing) {
      if (existing.platformRole === 'operator') {
        return { kind: 'already_operator', userId: existing.id };
      }
      await users.makeOperator(existing.id);
      result = { kind: 'promoted', userId: existing.id };
    } else {
      if (!input.passwordHash) throw new Error('A password is needed to create a new account.');
      const userId = await users.create({
        email,
        displayName: input.displayName.trim() || email,
        passwordHash: input.passwordHash,
        platformRole: 'operator',
      });
      result = { kind: 'created', userId };
    }
    await audit.record({
      actor: { kind: 'system', userId: null },
      action: result.kind === 'created' ? 'operator.created' : 'operator.promoted',
      target: { kind: 'user', id: result.userId },
      details: { via: 'cli' },
    });
    return result;
  });
}
