import { ErrorCode, type InvitationStatus, type WorkspaceInvitation } from '@desk/protocol';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import { newId } from '../ids/newId.ts';
import { Memberships, type MembershipChange } from './Memberships.ts';
import type { InvitableRole } from './roles.ts';
import { SeatLimit } from './SeatLimit.ts';
import { assertWorkspaceWritable } from './workspaceState.ts';

/** How long an invitation link works, in ms. @default 7 days */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export type { InvitationStatus };
export type Invitation = WorkspaceInvitation;

interface Row {
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

const select = `SELECT i.*, u.display_name AS invited_by_name
                  FROM invitations i JOIN users u ON u.id = i.invited_by`;

function fromRow(r: Row, now: number): Invitation {
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

/**
 * Invitations by email. The link carries a 160-bit token; only its SHA-256 is stored, so
 * the database cannot hand out working links, and resending mints a new token (the old
 * link stops working). A link is single-use: accepting marks it in the same transaction
 * that adds the seat. All functions run inside the caller's transaction.
 */
export const Invitations = {
  list(db: SqliteDatabase, workspaceId: string, now: number): Invitation[] {
    const rows = db
      .prepare(`${select} WHERE i.workspace_id = ? ORDER BY i.created_at DESC LIMIT 500`)
      .all(workspaceId) as Row[];
    return rows.map((r) => fromRow(r, now));
  },

  get(db: SqliteDatabase, workspaceId: string, id: string, now: number): Invitation {
    const row = db
      .prepare(`${select} WHERE i.workspace_id = ? AND i.id = ?`)
      .get(workspaceId, id) as Row | undefined;
    if (!row) throw AppError.notFound('No such invitation.');
    return fromRow(row, now);
  },

  byToken(db: SqliteDatabase, token: string, now: number): Invitation | null {
    const row = db.prepare(`${select} WHERE i.token_hash = ?`).get(hashSecretToken(token)) as
      Row | undefined;
    return row ? fromRow(row, now) : null;
  },

  /**
   * Invites `email` (already normalized) with `role`. Refused when the address is already
   * a member (`already_member`), when no seat is left counting open invitations
   * (`seat_limit_reached`), or when the workspace is read-only. An open invitation to the
   * same address is renewed instead of duplicated.
   */
  create(
    db: SqliteDatabase,
    input: { workspaceId: string; email: string; role: InvitableRole; invitedBy: string },
    now: number,
  ): { invitation: Invitation; token: string } {
    const { workspaceId, email, role, invitedBy } = input;
    assertWorkspaceWritable(db, workspaceId, now);
    const member = db
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
    const open = db
      .prepare(
        `SELECT id FROM invitations
          WHERE workspace_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
      )
      .get(workspaceId, email) as { id: string } | undefined;
    if (open) {
      // Renewing an open invitation holds no extra seat, but an expired one did not count.
      const current = Invitations.get(db, workspaceId, open.id, now);
      if (current.status === 'expired') SeatLimit.assertRoomForInvitation(db, workspaceId, now);
      db.prepare('UPDATE invitations SET role = ? WHERE id = ?').run(role, open.id);
      return Invitations.resend(db, workspaceId, open.id, now);
    }
    SeatLimit.assertRoomForInvitation(db, workspaceId, now);
    const token = generateSecretToken();
    const id = newId();
    db.prepare(
      `INSERT INTO invitations
         (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, last_sent_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    return { invitation: Invitations.get(db, workspaceId, id, now), token };
  },

  /** A fresh token and a fresh expiry; the previous link stops working. */
  resend(
    db: SqliteDatabase,
    workspaceId: string,
    id: string,
    now: number,
  ): { invitation: Invitation; token: string } {
    const current = Invitations.get(db, workspaceId, id, now);
    if (current.status === 'accepted' || current.status === 'revoked') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        409,
        `This invitation was ${current.status}; send a new one instead.`,
      );
    }
    if (current.status === 'expired') SeatLimit.assertRoomForInvitation(db, workspaceId, now);
    assertWorkspaceWritable(db, workspaceId, now);
    const token = generateSecretToken();
    db.prepare(
      `UPDATE invitations
          SET token_hash = ?, expires_at = ?, last_sent_at = ?, send_count = send_count + 1
        WHERE id = ?`,
    ).run(hashSecretToken(token), now + INVITATION_LIFETIME_MS, now, id);
    return { invitation: Invitations.get(db, workspaceId, id, now), token };
  },

  revoke(
    db: SqliteDatabase,
    workspaceId: string,
    id: string,
    actorUserId: string,
    now: number,
  ): Invitation {
    const current = Invitations.get(db, workspaceId, id, now);
    if (current.status === 'accepted') {
      throw new AppError(
        ErrorCode.invitationInvalid,
        409,
        'This invitation was already accepted; remove the member instead.',
      );
    }
    if (current.status !== 'revoked') {
      db.prepare('UPDATE invitations SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(
        now,
        actorUserId,
        id,
      );
    }
    return Invitations.get(db, workspaceId, id, now);
  },

  /** Throws the typed reason a token cannot be used now; returns the open invitation. */
  requireUsable(db: SqliteDatabase, token: string, now: number): Invitation {
    const invitation = Invitations.byToken(db, token, now);
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
  },

  /**
   * Accepts the invitation as `userId` (whose email must be the invited one). Call inside
   * an IMMEDIATE transaction: the seat check and the insert must see the same count, so
   * with one seat left exactly one of several concurrent acceptances gets it.
   */
  accept(
    db: SqliteDatabase,
    input: { token: string; userId: string; userEmail: string },
    now: number,
  ): { invitation: Invitation; change: MembershipChange } {
    const invitation = Invitations.requireUsable(db, input.token, now);
    if (invitation.email !== input.userEmail) {
      throw AppError.forbidden(
        `This invitation is for ${invitation.email}. Log in with that address to accept it.`,
      );
    }
    assertWorkspaceWritable(db, invitation.workspaceId, now);
    if (Memberships.roleOf(db, invitation.workspaceId, input.userId)) {
      throw new AppError(
        ErrorCode.alreadyMember,
        409,
        'You are already a member of this workspace.',
      );
    }
    SeatLimit.assertSeatForMember(db, invitation.workspaceId, now);
    const change = Memberships.add(
      db,
      {
        workspaceId: invitation.workspaceId,
        userId: input.userId,
        role: invitation.role,
        actorUserId: invitation.invitedBy,
      },
      now,
    );
    db.prepare('UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?').run(
      now,
      input.userId,
      invitation.id,
    );
    return { invitation: { ...invitation, status: 'accepted', acceptedAt: now }, change };
  },
};
