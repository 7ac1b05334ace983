import { ErrorCode, type WorkspaceMember } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import type { Role } from './roles.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { SeatLedger } from './SeatLedger.ts';

export type Member = WorkspaceMember;

/** A change that live connections must learn about (emitted after the commit). */
export interface MembershipChange {
  workspaceId: string;
  userId: string;
  role: Role | null;
}

/**
 * Who is in a workspace with which role (table `memberships`). Every change records its
 * seat-ledger entry in the caller's transaction and returns what live connections must hear
 * (`membershipChanged`). Synchronous, so that a route can put a change in one transaction
 * with other writes. Permission rules live here, next to the changes they guard: owners
 * manage everyone, admins manage agents and viewers, nobody but the owner touches the
 * owner, and ownership only moves by transfer.
 */
export interface MembershipStore {
  roleOf(workspaceId: string, userId: string): Role | null;
  /** Members with their roles, owner first. */
  list(workspaceId: string): Member[];
  /** Adds a member and records the seat; the caller has checked the seat limit. */
  add(input: {
    workspaceId: string;
    userId: string;
    role: Role;
    actorUserId: string | null;
  }): MembershipChange;
  /** Throws forbidden / not_found when the actor may not make this change; null: no change. */
  changeRole(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
    role: Exclude<Role, 'owner'>;
  }): MembershipChange | null;
  /**
   * A member leaving (actor = user) or removed by a manager: frees the seat. What they
   * wrote stays — it lives in the workspace's documents, which are not touched.
   */
  remove(input: { workspaceId: string; actorUserId: string; userId: string }): MembershipChange;
  /**
   * Hands the workspace to another member, who becomes owner; the previous owner becomes an
   * admin. When the workspace is the customer's only one, the customer's account owner (the
   * billing contact the operator sees) moves with it.
   */
  transferOwnership(input: {
    workspaceId: string;
    actorUserId: string;
    newOwnerUserId: string;
  }): MembershipChange[];
}

/** `MembershipStore` with promises: the SQLite store wrapped, or `SqlMembershipStore`. */
export type AsyncMembershipStore = AsyncStore<MembershipStore>;

export class SqliteMembershipStore implements MembershipStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly seats: SeatLedger,
  ) {}

  roleOf(workspaceId: string, userId: string): Role | null {
    const row = this.db
      .prepare('SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?')
      .get(workspaceId, userId) as { role: Role } | undefined;
    return row?.role ?? null;
  }

  list(workspaceId: string): Member[] {
    const rows = this.db
      .prepare(
        `SELECT u.id, u.display_name, u.email, m.role, m.created_at
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = ?
          ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END,
                   u.display_name COLLATE NOCASE`,
      )
      .all(workspaceId) as {
      id: string;
      display_name: string;
      email: string;
      role: Role;
      created_at: number;
    }[];
    return rows.map((r) => ({
      userId: r.id,
      displayName: r.display_name,
      email: r.email,
      role: r.role,
      joinedAt: r.created_at,
    }));
  }

  add(input: {
    workspaceId: string;
    userId: string;
    role: Role;
    actorUserId: string | null;
  }): MembershipChange {
    this.db
      .prepare(
        'INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(input.workspaceId, input.userId, input.role, this.now());
    this.seats.record({
      workspaceId: input.workspaceId,
      userId: input.userId,
      event: 'joined',
      role: input.role,
      previousRole: null,
      actorUserId: input.actorUserId,
    });
    return { workspaceId: input.workspaceId, userId: input.userId, role: input.role };
  }

  changeRole(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
    role: Exclude<Role, 'owner'>;
  }): MembershipChange | null {
    const { workspaceId, actorUserId, userId, role } = input;
    const actorRole = this.roleOf(workspaceId, actorUserId);
    const targetRole = this.#requireMember(workspaceId, userId);
    assertMayManage(actorRole, targetRole, actorUserId === userId);
    if (role === 'admin' && actorRole !== 'owner') {
      throw AppError.forbidden('Only the owner can make someone an admin.');
    }
    if (targetRole === role) return null;
    this.#setRole(workspaceId, userId, role);
    this.seats.record({
      workspaceId,
      userId,
      event: 'role_changed',
      role,
      previousRole: targetRole,
      actorUserId,
    });
    return { workspaceId, userId, role };
  }

  remove(input: { workspaceId: string; actorUserId: string; userId: string }): MembershipChange {
    const { workspaceId, actorUserId, userId } = input;
    const targetRole = this.#requireMember(workspaceId, userId);
    const leaving = actorUserId === userId;
    if (targetRole === 'owner') {
      throw AppError.forbidden(
        leaving
          ? 'The owner cannot leave the workspace. Transfer ownership to another member first.'
          : 'The owner cannot be removed.',
      );
    }
    if (!leaving) {
      assertMayManage(this.roleOf(workspaceId, actorUserId), targetRole, false);
    }
    this.db
      .prepare('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?')
      .run(workspaceId, userId);
    this.seats.record({
      workspaceId,
      userId,
      event: 'removed',
      role: null,
      previousRole: targetRole,
      actorUserId,
    });
    return { workspaceId, userId, role: null };
  }

  transferOwnership(input: {
    workspaceId: string;
    actorUserId: string;
    newOwnerUserId: string;
  }): MembershipChange[] {
    const { workspaceId, actorUserId, newOwnerUserId } = input;
    if (this.roleOf(workspaceId, actorUserId) !== 'owner') {
      throw AppError.forbidden('Only the owner can transfer ownership.');
    }
    if (newOwnerUserId === actorUserId) {
      throw AppError.badRequest('You already own this workspace.');
    }
    const previousRole = this.#requireMember(workspaceId, newOwnerUserId);
    this.#setRole(workspaceId, newOwnerUserId, 'owner');
    this.#setRole(workspaceId, actorUserId, 'admin');
    this.seats.record({
      workspaceId,
      userId: newOwnerUserId,
      event: 'role_changed',
      role: 'owner',
      previousRole,
      actorUserId,
    });
    this.seats.record({
      workspaceId,
      userId: actorUserId,
      event: 'role_changed',
      role: 'admin',
      previousRole: 'owner',
      actorUserId,
    });
    this.db
      .prepare(
        `UPDATE customers SET owner_user_id = ?
          WHERE id = (SELECT customer_id FROM workspaces WHERE id = ?)
            AND owner_user_id = ?
            AND (SELECT COUNT(*) FROM workspaces w2 WHERE w2.customer_id = customers.id) = 1`,
      )
      .run(newOwnerUserId, workspaceId, actorUserId);
    return [
      { workspaceId, userId: newOwnerUserId, role: 'owner' },
      { workspaceId, userId: actorUserId, role: 'admin' },
    ];
  }

  #setRole(workspaceId: string, userId: string, role: Role): void {
    this.db
      .prepare('UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?')
      .run(role, workspaceId, userId);
  }

  #requireMember(workspaceId: string, userId: string): Role {
    const role = this.roleOf(workspaceId, userId);
    if (!role) throw AppError.notFound('This person is not a member of the workspace.');
    return role;
  }
}

/** Who may change whose role or remove whom (shared with SqlMembershipStore). */
export function assertMayManage(actorRole: Role | null, targetRole: Role, self: boolean): void {
  if (self) throw AppError.forbidden('You cannot change your own role.');
  if (actorRole === 'owner' && targetRole !== 'owner') return;
  if (actorRole === 'admin' && (targetRole === 'agent' || targetRole === 'viewer')) return;
  throw new AppError(
    ErrorCode.forbidden,
    403,
    actorRole === 'admin'
      ? 'Admins can manage agents and viewers; only the owner manages admins.'
      : 'Only the owner and admins can manage members.',
  );
}
