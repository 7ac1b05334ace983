import type { SqliteDatabase } from '../db/Database.ts';
import { Invitations, type Invitation } from './Invitations.ts';
import type { MembershipChange } from './Memberships.ts';
import type { InvitableRole } from './roles.ts';

/**
 * Invitations to a workspace (table `invitations`): tokens stored as SHA-256 only, seven days
 * of life, counted against the seat limit while open. Every method that changes one throws a
 * typed AppError when it may not (seat limit, read-only workspace, already a member, used).
 */
export interface InvitationStore {
  list(workspaceId: string): Invitation[];
  /** A new invitation and its token (shown only in the mail). */
  create(input: { workspaceId: string; email: string; role: InvitableRole; invitedBy: string }): {
    invitation: Invitation;
    token: string;
  };
  /** A new token for an open or expired invitation; the old one stops working. */
  resend(workspaceId: string, id: string): { invitation: Invitation; token: string };
  revoke(workspaceId: string, id: string, actorUserId: string): Invitation;
  /** The invitation a token opens, or a typed refusal (expired, used, revoked, invalid). */
  requireUsable(token: string): Invitation;
  /** Makes the user a member with the invited role (the address must match). */
  accept(input: { token: string; userId: string; userEmail: string }): {
    invitation: Invitation;
    change: MembershipChange;
  };
}

/** The SQLite store: the `Invitations` functions, on one database and clock. */
export class SqliteInvitationStore implements InvitationStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  list(workspaceId: string): Invitation[] {
    return Invitations.list(this.db, workspaceId, this.now());
  }

  create(input: { workspaceId: string; email: string; role: InvitableRole; invitedBy: string }): {
    invitation: Invitation;
    token: string;
  } {
    return Invitations.create(this.db, input, this.now());
  }

  resend(workspaceId: string, id: string): { invitation: Invitation; token: string } {
    return Invitations.resend(this.db, workspaceId, id, this.now());
  }

  revoke(workspaceId: string, id: string, actorUserId: string): Invitation {
    return Invitations.revoke(this.db, workspaceId, id, actorUserId, this.now());
  }

  requireUsable(token: string): Invitation {
    return Invitations.requireUsable(this.db, token, this.now());
  }

  accept(input: { token: string; userId: string; userEmail: string }): {
    invitation: Invitation;
    change: MembershipChange;
  } {
    return Invitations.accept(this.db, input, this.now());
  }
}
