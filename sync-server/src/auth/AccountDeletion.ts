import { DocErrorCode, ErrorCode } from '@desk/protocol';
import { docIds } from '@desk/model';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../http/AppError.ts';
import { tombstoneEmail, type User } from '../identity/UserStore.ts';
import type { Logger } from '../log/logger.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { MembershipChange } from '../workspaces/MembershipStore.ts';
import type { MembershipStore } from '../workspaces/MembershipStore.ts';
import type { SeatLedger } from '../workspaces/SeatLedger.ts';
import type { WorkspaceOfUser } from '../workspaces/WorkspaceStore.ts';
import { accountDeletedEmail } from './authEmails.ts';
import type { AuthStores } from './AuthServices.ts';

/** What account deletion touches; every member is built once in createServices. */
export interface AccountDeletionDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly access: AccessEvents;
  readonly mailer: Mailer;
  readonly control: Pick<
    AuthStores,
    | 'transactions'
    | 'audit'
    | 'users'
    | 'sessions'
    | 'tokens'
    | 'passwordResets'
    | 'pendingSignups'
    | 'securityReports'
    | 'devices'
    | 'workspaces'
  > & {
    readonly memberships: AsyncStore<MembershipStore>;
    /** Finds the workspaces the user left earlier, whose private docs go too. */
    readonly seats: Pick<AsyncStore<SeatLedger>, 'workspacesOf'>;
  };
  readonly docs: DocDeletion;
}

/** Deletes documents so that nothing writes them again (the sync engine's `deleteDocs`). */
export interface DocDeletion {
  deleteDocs(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): number;
}

/**
 * A user deletes their own account (issue 16, terms §4). What identifies the person goes —
 * sessions, access tokens, reset links, pending sign-ups, known devices, security reports,
 * their private docs (in every workspace they ever joined: leaving one keeps it on the
 * server), and the email, name, phone and password of the `users` row. What they
 * wrote stays with the customer whose workspace holds it, under "Deleted user": the row is
 * anonymised, not deleted, so documents, audit entries and seat records still resolve.
 */
export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  /**
   * Deletes the account in one transaction. Refused with `last_owner` while the user owns a
   * workspace (each has exactly one owner: without them it would be nobody's).
   * Returns the names of the workspaces the account left.
   */
  async delete(user: User): Promise<string[]> {
    const { deps } = this;
    const stores = deps.control;
    const memberOf = await stores.workspaces.ofUser(user.id);
    refuseWhileOwner(memberOf);
    // The private docs first, through the sync engine (a room or a queued update would write
    // them again), and outside the transaction: the engine stores the updates queued now in
    // their own, which a rollback must not undo. Should the transaction fail, the account
    // stays without its private docs and deleting it again completes it. (A workspace
    // joined between the read above and the transaction keeps the account's membership
    // and private doc there: on SQLite nothing can run in between, the stores answering
    // at once; on PostgreSQL the reads belong inside the transaction's lock — issue 19.)
    const workspaceIds = new Set([
      ...memberOf.map((w) => w.id),
      ...(await stores.seats.workspacesOf(user.id)),
    ]);
    deps.docs.deleteDocs(
      [...workspaceIds].map((workspaceId) => docIds.user(workspaceId, user.id)),
      { code: DocErrorCode.accessRevoked, message: 'The account was deleted.' },
    );
    const { left, changes } = await stores.transactions.write(async () => {
      const changes: MembershipChange[] = [];
      for (const workspace of memberOf) {
        // The removal members use to leave: frees the seat, records it in the seat ledger.
        changes.push(
          await stores.memberships.remove({
            workspaceId: workspace.id,
            actorUserId: user.id,
            userId: user.id,
          }),
        );
        await stores.audit.record({
          actor: { kind: 'user', userId: user.id },
          action: 'account.deleted',
          target: { kind: 'user', id: user.id },
          workspaceId: workspace.id,
          details: { role: workspace.role },
        });
      }
      // An account in no workspace: its deletion is still on record, for the operator.
      if (memberOf.length === 0) {
        await stores.audit.record({
          actor: { kind: 'user', userId: user.id },
          action: 'account.deleted',
          target: { kind: 'user', id: user.id },
          workspaceId: null,
        });
      }
      await stores.sessions.endAllForUser(user.id);
      await stores.tokens.deleteAllForUser(user.id);
      await stores.passwordResets.deleteAllForUser(user.id);
      await stores.pendingSignups.deleteForEmail(user.email);
      await stores.devices.forgetUser(user.id);
      await stores.securityReports.deleteForUser(user.id);
      await stores.users.anonymise(user.id, tombstoneEmail(user.id));
      return { left: memberOf.map((w) => w.name), changes };
    });
    // Live sockets hear it after the commit, as when a member is removed: they close at once.
    for (const change of changes) deps.access.emit('membershipChanged', change);
    deps.log.info({ userId: user.id, workspaces: left.length }, 'account deleted');
    void sendWithoutFailing(
      deps,
      accountDeletedEmail(deps.config, { email: user.email, displayName: user.displayName }, left),
    );
    return left;
  }
}

function refuseWhileOwner(memberOf: readonly WorkspaceOfUser[]): void {
  const owned = memberOf.filter((w) => w.role === 'owner').map((w) => w.name);
  if (owned.length === 0) return;
  const names = owned.map((name) => `“${name}”`).join(', ');
  throw new AppError(
    ErrorCode.lastOwner,
    409,
    `You are the owner of ${names}. Transfer ownership to another member (Settings → Members) before deleting your account, so the workspace keeps an owner.`,
    { workspaces: owned },
  );
}
