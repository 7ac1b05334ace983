import { DocErrorCode, ErrorCode } from '@desk/protocol';
import { docIds } from '@desk/model';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../http/AppError.ts';
import { tombstoneEmail, type User } from '../identity/UserStore.ts';
import type { Logger } from '../log/logger.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { Mailer } from '../mail/Mailer.ts';
import { ACCOUNT_DELETED_MESSAGE, type ClosedDoc } from '../store/DocStore.ts';
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

/**
 * Deletes documents so that nothing writes them again: the sync engine's `deleteDocsDrained`
 * (on the embedded store or a cluster's; the account's sockets on the other processes close
 * on the `membershipChanged` and session events, relayed by the access bus).
 */
export interface DocDeletion {
  /**
   * Closes the docs for good (`SyncEngine.closeDocs`), once the deletion has committed: a
   * write another process is storing before it hears of the deletion is refused from then
   * on, so the deletion that follows leaves nothing to recreate one.
   */
  closeDocs(docs: readonly ClosedDoc[]): Promise<void>;
  deleteDocsDrained(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): Promise<number>;
}

const deletedReason = { code: DocErrorCode.accessRevoked, message: ACCOUNT_DELETED_MESSAGE };

/**
 * The user's private docs in these workspaces, closed (no process stores a write to them
 * again: `DocStore.closeDocs`) and then deleted with their queued updates drained.
 */
async function deletePrivateDocs(
  docs: DocDeletion,
  workspaceIds: Iterable<string>,
  userId: string,
): Promise<void> {
  const closing = [...workspaceIds].map((workspaceId) => ({
    docId: docIds.user(workspaceId, userId),
    workspaceId,
  }));
  if (closing.length === 0) return;
  await docs.closeDocs(closing);
  await docs.deleteDocsDrained(
    closing.map((doc) => doc.docId),
    deletedReason,
  );
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
    const workspacesOf = async () => {
      const memberOf = await stores.workspaces.ofUser(user.id);
      const ever = new Set([
        ...memberOf.map((w) => w.id),
        ...(await stores.seats.workspacesOf(user.id)),
      ]);
      return { memberOf, ever };
    };
    const before = await workspacesOf();
    refuseWhileOwner(before.memberOf);
    // The private docs first, through the sync engine (a room or a queued update would write
    // them again), and outside the transaction: the engine stores the updates queued now in
    // their own, which a rollback must not undo. Should the transaction fail, the account
    // stays without its private docs and deleting it again completes it.
    await deps.docs.deleteDocsDrained(
      [...before.ever].map((workspaceId) => docIds.user(workspaceId, user.id)),
      deletedReason,
    );
    const { left, changes, joined } = await stores.transactions.write(async () => {
      // The workspaces read again, under the user's row lock: on PostgreSQL an invitation
      // accepted on another process meanwhile has committed before this read (its
      // membership's foreign key holds the row until then), so its membership is removed
      // here too; on SQLite nothing ran in between.
      await stores.users.lockRow(user.id);
      const { memberOf, ever } = await workspacesOf();
      // An ownership handed over meanwhile refuses (and rolls back) as it would have before.
      refuseWhileOwner(memberOf);
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
      const joined = [...ever].filter((id) => !before.ever.has(id));
      return { left: memberOf.map((w) => w.name), changes, joined };
    });
    // Live sockets hear it after the commit, as when a member is removed: they close at once.
    for (const change of changes) deps.access.emit('membershipChanged', change);
    // After the commit, every private doc is closed in the store, then deleted again: a write
    // another process was storing before it heard of the deletion either landed before the
    // closure (and goes now) or is refused, so nothing recreates one. Closed only now that
    // the deletion is certain: a rolled-back one leaves the account able to write them. The
    // docs of workspaces joined while the first ones went go here for the first time.
    await deletePrivateDocs(deps.docs, [...before.ever, ...joined], user.id);
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
