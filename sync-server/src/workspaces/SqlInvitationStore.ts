import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncSeatLimit } from './AsyncSeatLimit.ts';
import {
  assertAccountLive,
  INVITATION_LIFETIME_MS,
  INVITATION_SELECT,
  invitationFromRow,
  type AsyncInvitationStore,
  type Invitation,
  type InvitationRow,
} from './InvitationStore.ts';
import type { AsyncMembershipStore, MembershipChange } from './MembershipStore.ts';
import type { InvitableRole } from './roles.ts';

/** What the invitation store checks against besides its table. */
export interface SqlInvitationStoreDeps {
  readonly memberships: AsyncMembershipStore;
  readonly seatLimit: AsyncSeatLimit;
}

/**
 * Invitations on the SQL seam: SqliteInvitationStore's rules and statements, written once.
 * Every change is one transaction that first takes the workspace's seat lock
 * (AsyncSeatLimit.lock), so the seat count it checks cannot change before it commits — with
 * one seat left and several processes accepting at once, exactly one gets it.
 */
export class SqlInvitationStore implements AsyncInvitationStore {
  readonly #memberships: AsyncMembershipStore;
  readonly #seatLimit: AsyncSeatLimit;

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    deps: SqlInvitationStoreDeps,
  ) {
    this.#memberships = deps.memberships;
    this.#seatLimit = deps.seatLimit;
  }

  async list(workspaceId: string): Promise<Invitation[]> {
    const now = this.now();
    const rows = await this.db.all<InvitationRow>(
      `${INVITATION_SELECT} WHERE i.workspace_id = ? ORDER BY i.created_at DESC, i.id LIMIT 500`,
      [workspaceId],
    );
    return rows.map((r) => invitationFromRow(r, now));
  }

  create(input: {
    workspaceId: string;
    email: string;
    role: InvitableRole;
    invitedBy: string;
  }): Promise<{ invitation: Invitation; token: string }> {
    const { workspaceId, email, role, invitedBy } = input;
    return this.db.transaction(async () => {
      const now = this.now();
      await this.#seatLimit.lock(workspaceId);
      await this.#seatLimit.assertWritable(workspaceId);
      const member = await this.db.get(
        `SELECT 1 AS one FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = ? AND u.email = ?`,
        [workspaceId, email],
      );
      if (member) {
        throw new AppError(
          ErrorCode.alreadyMember,
          409,
          `${email} is already a member of this workspace.`,
          { fields: { email: 'This person is already a member.' } },
        );
      }
      const open = await this.db.get<{ id: string }>(
        `SELECT id FROM invitations
          WHERE workspace_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
        [workspaceId, email],
      );
      if (open) {
        // Renewing an open invitation holds no extra seat, but an expired one did not count.
        const current = await this.#get(workspaceId, open.id, now);
        if (current.status === 'expired')
          await this.#seatLimit.assertRoomForInvitation(workspaceId);
        await this.db.run('UPDATE invitations SET role = ? WHERE id = ?', [role, open.id]);
        return this.#resend(workspaceId, open.id, now);
      }
      await this.#seatLimit.assertRoomForInvitation(workspaceId);
      const token = generateSecretToken();
      const id = newId();
      await this.db.run(
        `INSERT INTO invitations
           (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, last_sent_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          workspaceId,
          email,
          role,
          hashSecretToken(token),
          invitedBy,
          now,
          now + INVITATION_LIFETIME_MS,
          now,
        ],
      );
      return { invitation: await this.#get(workspaceId, id, now), token };
    });
  }

  resend(workspaceId: string, id: string): Promise<{ invitation: Invitation; token: string }> {
    return this.db.transaction(async () => {
      await this.#seatLimit.lock(workspaceId);
      return this.#resend(workspaceId, id, this.now());
    });
  }

  revoke(workspaceId: string, id: string, actorUserId: string): Promise<Invitation> {
    return this.db.transaction(async () => {
      const now = this.now();
      await this.#seatLimit.lock(workspaceId);
      const current = await this.#get(workspaceId, id, now);
      if (current.status === 'accepted') {
        throw new AppError(
          ErrorCode.invitationInvalid,
          409,
          'This invitation was already accepted; remove the member instead.',
        );
      }
      if (current.status !== 'revoked') {
        await this.db.run('UPDATE invitations SET revoked_at = ?, revoked_by = ? WHERE id = ?', [
          now,
          actorUserId,
          id,
        ]);
      }
      return this.#get(workspaceId, id, now);
    });
  }

  requireUsable(token: string): Promise<Invitation> {
    return this.#requireUsable(token, this.now());
  }

  accept(input: {
    token: string;
    userId: string;
    userEmail: string;
  }): Promise<{ invitation: Invitation; change: MembershipChange }> {
    return this.db.transaction(async () => {
      const now = this.now();
      // Which workspace to lock; then read the invitation again under the lock: another
      // process may have accepted or revoked it while this one waited.
      const first = await this.#requireUsable(input.token, now);
      // The account's row first, locked as account deletion locks it (UserStore.lockRow):
      // a deletion that committed meanwhile is seen, one under way waits for this commit and
      // then finds the membership (InvitationStore.accept).
      assertAccountLive(
        await this.db.get<{ email: string }>(
          `SELECT email FROM users WHERE id = ?${this.db.dialect.forUpdate}`,
          [input.userId],
        ),
      );
      await this.#seatLimit.lock(first.workspaceId);
      const invitation = await this.#requireUsable(input.token, now);
      if (invitation.email !== input.userEmail) {
        throw AppError.forbidden(
          `This invitation is for ${invitation.email}. Log in with that address to accept it.`,
        );
      }
      await this.#seatLimit.assertWritable(invitation.workspaceId);
      if (await this.#memberships.roleOf(invitation.workspaceId, input.userId)) {
        throw new AppError(
          ErrorCode.alreadyMember,
          409,
          'You are already a member of this workspace.',
        );
      }
      await this.#seatLimit.assertSeatForMember(invitation.workspaceId);
      const change = await this.#memberships.add({
        workspaceId: invitation.workspaceId,
        userId: input.userId,
        role: invitation.role,
        actorUserId: invitation.invitedBy,
      });
      await this.db.run('UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?', [
        now,
        input.userId,
        invitation.id,
      ]);
      return {
        invitation: { ...invitation, status: 'accepted' as const, acceptedAt: now },
        change,
      };
    });
  }

  async #get(workspaceId: string, id: string, now: number): Promise<Invitation> {
    const row = await this.db.get<InvitationRow>(
      `${INVITATION_SELECT} WHERE i.workspace_id = ? AND i.id = ?`,
      [workspaceId, id],
    );
    if (!row) throw AppError.notFound('No such invitation.');
    return invitationFromRow(row, now);
  }

  async #resend(
    workspaceId: string,
    id: string,
    now: number,
  ): Promise<{ invitation: Invitation; token: string }> {
    const current = await this.#get(workspaceId, id, now);
    if (current.status === 'accepted' || current.status === 'revoked') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        409,
        `This invitation was ${current.status}; send a new one instead.`,
      );
    }
    if (current.status === 'expired') await this.#seatLimit.assertRoomForInvitation(workspaceId);
    await this.#seatLimit.assertWritable(workspaceId);
    const token = generateSecretToken();
    await this.db.run(
      `UPDATE invitations
          SET token_hash = ?, expires_at = ?, last_sent_at = ?, send_count = send_count + 1
        WHERE id = ?`,
      [hashSecretToken(token), now + INVITATION_LIFETIME_MS, now, id],
    );
    return { invitation: await this.#get(workspaceId, id, now), token };
  }

  async #requireUsable(token: string, now: number): Promise<Invitation> {
    const row = await this.db.get<InvitationRow>(`${INVITATION_SELECT} WHERE i.token_hash = ?`, [
      hashSecretToken(token),
    ]);
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
