import type { AuditActor, AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/**
 * The stores suspension reads and writes, on their async interfaces (issue 19: PostgreSQL
 * may answer); part of `Services.control`.
 */
export interface UserSuspensionStores {
  readonly transactions: AsyncTransactions;
  readonly users: AsyncStore<UserStore>;
  readonly audit: AsyncStore<AuditStore>;
}

/**
 * Suspending and reinstating user accounts (terms §2: in a dispute over an account the
 * operator decides and may suspend). Suspension is reversible and deletes nothing: the
 * account's sessions and tokens stop authenticating while it lasts (the auth middleware
 * checks the status) and `userSuspended` closes its live connections at once.
 */
export class UserSuspension {
  constructor(
    private readonly ctx: Pick<ServerContext, 'access' | 'log'> & {
      readonly control: UserSuspensionStores;
    },
  ) {}

  async suspend(userId: string, actor: AuditActor, note: string | null): Promise<void> {
    await this.#setStatus(userId, 'suspended', actor, note);
    this.ctx.access.emit('userSuspended', { userId });
  }

  async reinstate(userId: string, actor: AuditActor, note: string | null): Promise<void> {
    await this.#setStatus(userId, 'active', actor, note);
  }

  async #setStatus(
    userId: string,
    status: 'active' | 'suspended',
    actor: AuditActor,
    note: string | null,
  ): Promise<void> {
    const { transactions, users, audit } = this.ctx.control;
    await transactions.write(async () => {
      const user = await users.byId(userId);
      if (!user) throw AppError.notFound('No such user.');
      if (status === 'suspended' && actor.userId === userId) {
        throw AppError.badRequest('You cannot suspend your own account.');
      }
      if (status === 'suspended' && user.platformRole === 'operator') {
        throw AppError.forbidden('Operators cannot be suspended from the console; use the CLI.');
      }
      if (user.status === status) return;
      await users.setStatus(userId, status);
      await audit.record({
        actor,
        action: status === 'suspended' ? 'user.suspended' : 'user.reinstated',
        target: { kind: 'user', id: userId },
        details: note ? { note } : {},
      });
    });
    this.ctx.log.info({ userId, status, by: actor.userId }, 'user account status changed');
  }
}
