import { DocErrorCode, ErrorCode } from '@desk/protocol';
import { docIds } from '@desk/model';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { Config } from '../config/config.ts';
import type { Transactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { AccessTokenStore } from '../identity/AccessTokenStore.ts';
import type { SessionStore } from '../identity/SessionStore.ts';
import { tombstoneEmail, type User, type UserStore } from '../identity/UserStore.ts';
import type { Logger } from '../log/logger.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { MembershipChange } from '../workspaces/MembershipStore.ts';
import type { MembershipStore } from '../workspaces/MembershipStore.ts';
import type { SeatLedger } from '../workspaces/SeatLedger.ts';
import type { WorkspaceOfUser, WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import { accountDeletedEmail } from './authEmails.ts';
import type { KnownDevices } from './KnownDevices.ts';
import type { PasswordResetStore } from './PasswordResets.ts';
import type { PendingSignupStore } from './PendingSignups.ts';
import type { SecurityReportStore } from './SecurityReports.ts';

/** What account deletion touches; every member is built once in createServices. */
export interface AccountDeletionDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly access: AccessEvents;
  readonly transactions: Transactions;
  readonly mailer: Mailer;
  readonly audit: AuditStore;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: AccessTokenStore;
  readonly passwordResets: PasswordResetStore;
  readonly pendingSignups: PendingSignupStore;
  readonly securityReports: SecurityReportStore;
  readonly devices: KnownDevices;
  readonly workspaces: WorkspaceStore;
  readonly memberships: MembershipStore;
  /** Finds the workspaces the user left earlier, whose private docs go too. */
  readonly seats: Pick<SeatLedger, 'workspacesOf'>;
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
  delete(user: User): string[] {
    const { deps } = this;
    const memberOf = deps.workspaces.ofUser(user.id);
    refuseWhileOwner(memberOf);
    // The private docs first, through the sync engine (a room or a queued update would write
    // them again), and outside the transaction: the engine stores the updates queued now in
    // their own, which a rollback must not undo. All of it is synchronous, so nothing changes
    // in between; should the transaction fail, the account stays without its private docs
    // and deleting it again completes it.
    const workspaceIds = new Set([
      ...memberOf.map((w) => w.id),
      ...deps.seats.workspacesOf(user.id),
    ]);
    deps.docs.deleteDocs(
      [...workspaceIds].map((workspaceId) => docIds.user(workspaceId, user.id)),
      { code: DocErrorCode.accessRevoked, message: 'The account was deleted.' },
    );
    const { left, changes } = deps.transactions.write(() => {
      const changes: MembershipChange[] = [];
      for (const workspace of memberOf) {
        // The removal members use to leave: frees the seat, records it in the seat ledger.
        changes.push(
          deps.memberships.remove({
            workspaceId: workspace.id,
            actorUserId: user.id,
            userId: user.id,
          }),
        );
        deps.audit.record({
          actor: { kind: 'user', userId: user.id },
          action: 'account.deleted',
          target: { kind: 'user', id: user.id },
          workspaceId: workspace.id,
          details: { role: workspace.role },
        });
      }
      // An account in no workspace: its deletion is still on record, for the operator.
      if (memberOf.length === 0) {
        deps.audit.record({
          actor: { kind: 'user', userId: user.id },
          action: 'account.deleted',
          target: { kind: 'user', id: user.id },
          workspaceId: null,
        });
      }
      deps.sessions.endAllForUser(user.id);
      deps.tokens.deleteAllForUser(user.id);
      deps.passwordResets.deleteAllForUser(user.id);
      deps.pendingSignups.deleteForEmail(user.email);
      deps.devices.forgetUser(user.id);
      deps.securityReports.deleteForUser(user.id);
      deps.users.anonymise(user.id, tombstoneEmail(user.id));
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
