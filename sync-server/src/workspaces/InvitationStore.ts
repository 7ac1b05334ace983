import { ErrorCode, type InvitationStatus, type WorkspaceInvitation } from '@desk/protocol';
import type { SubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { MembershipChange, MembershipStore } from './MembershipStore.ts';
import type { InvitableRole } from './roles.ts';
import type { SeatLimit } from './SeatLimit.ts';
import { assertWorkspaceWritable } from './workspaceState.ts';

/** How long an invitation link works, in ms. @default 7 days */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export type { InvitationStatus };
export type Invitation = WorkspaceInvitation;

/**
 * Invitations to a workspace by email (table `invitations`), counted against the seat limit
 * while open. The link carries a 160-bit token; only its SHA-256 is stored, so the database
 * cannot hand out working links, and resending mints a new token (the old link stops
 * working). A link is single-use: accepting marks it in the same transaction that adds the
 * seat. Every method that changes one throws a typed AppError when it may not (seat limit,
 * read-only workspace, already a member, used); all run inside the caller's transaction.
 */
export interface InvitationStore {
  list(workspaceId: string): Invitation[];
  /**
   * Invites `email` (already normalized) with `role`; returns the token (shown only in the
   * mail). Refused when the address is already a member (`already_member`), when no seat is
   * left counting open invitations (`seat_limit_reached`), or when the workspace is
   * read-only. An open invitation to the same address is renewed instead of duplicated.
   */
  create(input: { workspaceId: string; email: string; role: InvitableRole; invitedBy: string }): {
    invitation: Invitation;
    token: string;
  };
  /** A new token and expiry for an open or expired invitation; the old link stops working. */
  resend(workspaceId: string, id: string): { invitation: Invitation; token: string };
  revoke(workspaceId: string, id: string, actorUserId: string): Invitation;
  /** The invitation a token opens, or a typed refusal (expired, used, revoked, invalid). */
  requireUsable(token: string): Invitation;
  /**
   * Makes the user a member with the invited role (the address must match). Call inside an
   * IMMEDIATE transaction: the seat check and the insert must see the same count, so with
   * one seat left exactly one of several concurrent acceptances gets it. Refused with
   * `unauthenticated` when the account was deleted meanwhile (its session was valid when the
   * request began): read under the user's row lock, taken as account deletion takes it
   * (UserStore.lockRow) — before the workspace's, in deletion's order — so on PostgreSQL an
   * acceptance racing a deletion either commits first (the deletion then removes its
   * membership) or waits for it and is refused.
   */
  accept(input: { token: string; userId: string; userEmail: string }): {
    invitation: Invitation;
    change: MembershipChange;
  };
}

/** `InvitationStore` with promises: the SQLite store wrapped, or `SqlInvitationStore`. */
export type AsyncInvitationStore = AsyncStore<InvitationStore>;

/** What the SQLite store checks against besides its table. */
export interface InvitationStoreDeps {
  readonly memberships: MembershipStore;
  readonly seatLimit: SeatLimit;
  readonly subscriptions: SubscriptionStore;
}

/**
 * Refuses an acceptance for an account that no longer exists as a person: deleted (its row
 * anonymised, its address in DELETED_EMAIL_DOMAIN) or gone.
 */
export function assertAccountLive(account: { email: string } | undefined): void {
  if (account && !account.email.endsWith(`@${DELETED_EMAIL_DOMAIN}`)) return;
  throw new AppError(
    ErrorCode.unauthenticated,
    401,
    'This account was deleted. Sign up again to accept the invitation.',
  );
}

/** An `invitations` row with the inviter's name (`INVITATION_SELECT`), as both engines return it. */
export interface InvitationRow {
  id: string;
  workspace_id: string;
  email: string;
  role: InvitableRole;
  invited_by: string;
  invited_by_name: string;
  created_at: number;
  expires_at: number;
  last_sent_at: number;
  send_count: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

export const INVITATION_SELECT = `SELECT i.*, u.display_name AS invited_by_name
                  FROM invitations i JOIN users u ON u.id = i.invited_by`;

/** The invitation a row describes at `now` (its status: pending, expired, accepted, revoked). */
export function invitationFromRow(r: InvitationRow, now: number): Invitation {
  const status: InvitationStatus =
    r.accepted_at !== null
      ? 'accepted'
      : r.revoked_at !== null
        ? 'revoked'
        : r.expires_at <= now
          ? 'expired'
          : 'pending';
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    email: r.email,
    role: r.role,
    invitedBy: r.invited_by,
    invitedByName: r.invited_by_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastSentAt: r.last_sent_at,
    sendCount: r.send_count,
    acceptedAt: r.accepted_at,
    acceptedBy: r.accepted_by,
    revokedAt: r.revoked_at,
    status,
  };
}

export class SqliteInvitationStore implements InvitationStore {
  readonly #memberships: MembershipStore;
  readonly #seatLimit: SeatLimit;
  readonly #subscriptions: SubscriptionStore;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    deps: InvitationStoreDeps,
  ) {
    this.#memberships = deps.memberships;
    this.#seatLimit = deps.seatLimit;
    this.#subscriptions = deps.subscriptions;
  }

  list(workspaceId: string): Invitation[] {
    const now = this.now();
    const rows = this.db
      .prepare(`${INVITATION_SELECT} WHERE i.workspace_id = ? ORDER BY i.created_at DESC LIMIT 500`)
      .all(workspaceId) as InvitationRow[];
    return rows.map((r) => invitationFromRow(r, now));
  }

  create(input: { workspaceId: string; email: string; role: InvitableRole; invitedBy: string }): {
    invitation: Invitation;
    token: string;
  } {
    const now = this.now();
    const { workspaceId, email, role, invitedBy } = input;
    assertWorkspaceWritable(this.#subscriptions, workspaceId);
    const member = this.db
      .prepare(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = ? AND u.email = ?`,
      )
      .get(workspaceId, email);
    if (member) {
      throw new AppError(
        ErrorCode.alreadyMember,
        409,
        `${email} is already a member of this workspace.`,
        {
          fields: { email: 'This person is already a member.' },
        },
      );
    }
    const open = this.db
      .prepare(
        `SELECT id FROM invitations
          WHERE workspace_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
      )
      .get(workspaceId, email) as { id: string } | undefined;
    if (open) {
      // Renewing an open invitation holds no extra seat, but an expired one did not count.
      const current = this.#get(workspaceId, open.id, now);
      if (current.status === 'expired') this.#seatLimit.assertRoomForInvitation(workspaceId);
      this.db.prepare('UPDATE invitations SET role = ? WHERE id = ?').run(role, open.id);
      return this.#resend(workspaceId, open.id, now);
    }
    this.#seatLimit.assertRoomForInvitation(workspaceId);
    const token = generateSecretToken();
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO invitations
           (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, last_sent_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        workspaceId,
        email,
        role,
        hashSecretToken(token),
        invitedBy,
        now,
        now + INVITATION_LIFETIME_MS,
        now,
      );
    return { invitation: this.#get(workspaceId, id, now), token };
  }

  resend(workspaceId: string, id: string): { invitation: Invitation; token: string } {
    return this.#resend(workspaceId, id, this.now());
  }

  revoke(workspaceId: string, id: string, actorUserId: string): Invitation {
    const now = this.now();
    const current = this.#get(workspaceId, id, now);
    if (current.status === 'accepted') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        409,
        'This invitation was already accepted; remove the member instead.',
      );
    }
    if (current.status !== 'revoked') {
      this.db
        .prepare('UPDATE invitations SET revoked_at = ?, revoked_by = ? WHERE id = ?')
        .run(now, actorUserId, id);
    }
    return this.#get(workspaceId, id, now);
  }

  requireUsable(token: string): Invitation {
    return this.#requireUsable(token, this.now());
  }

  accept(input: { token: string; userId: string; userEmail: string }): {
    invitation: Invitation;
    change: MembershipChange;
  } {
    const now = this.now();
    // SQLite: the write transaction this runs in holds the database, nothing to lock.
    assertAccountLive(
      this.db.prepare('SELECT email FROM users WHERE id = ?').get(input.userId) as
        { email: string } | undefined,
    );
    const invitation = this.#requireUsable(input.token, now);
    if (invitation.email !== input.userEmail) {
      throw AppError.forbidden(
        `This invitation is for ${invitation.email}. Log in with that address to accept it.`,
      );
    }
    assertWorkspaceWritable(this.#subscriptions, invitation.workspaceId);
    if (this.#memberships.roleOf(invitation.workspaceId, input.userId)) {
      throw new AppError(
        ErrorCode.alreadyMember,
        409,
        'You are already a member of this workspace.',
      );
    }
    this.#seatLimit.assertSeatForMember(invitation.workspaceId);
    const change = this.#memberships.add({
      workspaceId: invitation.workspaceId,
      userId: input.userId,
      role: invitation.role,
      actorUserId: invitation.invitedBy,
    });
    this.db
      .prepare('UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?')
      .run(now, input.userId, invitation.id);
    return { invitation: { ...invitation, status: 'accepted', acceptedAt: now }, change };
  }

  #get(workspaceId: string, id: string, now: number): Invitation {
    const row = this.db
      .prepare(`${INVITATION_SELECT} WHERE i.workspace_id = ? AND i.id = ?`)
      .get(workspaceId, id) as InvitationRow | undefined;
    if (!row) throw AppError.notFound('No such invitation.');
    return invitationFromRow(row, now);
  }

  #resend(workspaceId: string, id: string, now: number): { invitation: Invitation; token: string } {
    const current = this.#get(workspaceId, id, now);
    if (current.status === 'accepted' || current.status === 'revoked') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        409,
        `This invitation was ${current.status}; send a new one instead.`,
      );
    }
    if (current.status === 'expired') this.#seatLimit.assertRoomForInvitation(workspaceId);
    assertWorkspaceWritable(this.#subscriptions, workspaceId);
    const token = generateSecretToken();
    this.db
      .prepare(
        `UPDATE invitations
            SET token_hash = ?, expires_at = ?, last_sent_at = ?, send_count = send_count + 1
          WHERE id = ?`,
      )
      .run(hashSecretToken(token), now + INVITATION_LIFETIME_MS, now, id);
    return { invitation: this.#get(workspaceId, id, now), token };
  }

  #requireUsable(token: string, now: number): Invitation {
    const row = this.db
      .prepare(`${INVITATION_SELECT} WHERE i.token_hash = ?`)
      .get(hashSecretToken(token)) as InvitationRow | undefined;
    const invitation = row ? invitationFromRow(row, now) : null;
    if (!invitation || invitation.status === 'revoked') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        404,
        'This invitation link is not valid. It may have been revoked or replaced by a newer one.',
      );
    }
    if (invitation.status === 'accepted') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        410,
        'This invitation link was already used.',
      );
    }
    if (invitation.status === 'expired') {
      throw new AppError(
        ErrorCode.invitationExpired,
        410,
        'This invitation has expired. Ask the person who invited you to send it again.',
      );
    }
    return invitation;
  }
}
