import { ErrorCode, type WorkspaceMember } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import type { Role } from './roles.ts';
import { SeatLedger } from './SeatLedger.ts';

export type Member = WorkspaceMember;

/** A change that live connections must learn about (emitted after the commit). */
export interface MembershipChange {
  workspaceId: string;
  userId: string;
  role: Role | null;
}

/**
 * Memberships: who is in a workspace with which role. Every change writes its seat-ledger
 * entry in the caller's transaction. Permission rules live here, next to the changes they
 * guard: owners manage everyone, admins manage agents and viewers, nobody but the owner
 * touches the owner, and ownership only moves by transfer.
 */
export const Memberships = {
  roleOf(db: SqliteDatabase, workspaceId: string, userId: string): Role | null {
    const row = db
      .prepare('SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?')
      .get(workspaceId, userId) as { role: Role } | undefined;
    return row?.role ?? null;
  },

  list(db: SqliteDatabase, workspaceId: string): Member[] {
    const rows = db
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
  },

  /** Adds a member and records the seat; the caller has checked the seat limit. */
  add(
    db: SqliteDatabase,
    input: { workspaceId: string; userId: string; role: Role; actorUserId: string | null },
    now: number,
  ): MembershipChange {
    db.prepare(
      'INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)',
    ).run(input.workspaceId, input.userId, input.role, now);
    SeatLedger.record(
      db,
      {
        workspaceId: input.workspaceId,
        userId: input.userId,
        event: 'joined',
        role: input.role,
        previousRole: null,
        actorUserId: input.actorUserId,
      },
      now,
    );
    return { workspaceId: input.workspaceId, userId: input.userId, role: input.role };
  },

  changeRole(
    db: SqliteDatabase,
    input: {
      workspaceId: string;
      actorUserId: string;
      userId: string;
      role: Exclude<Role, 'owner'>;
    },
    now: number,
  ): MembershipChange | null {
    const { workspaceId, actorUserId, userId, role } = input;
    const actorRole = Memberships.roleOf(db, workspaceId, actorUserId);
    const targetRole = requireMember(db, workspaceId, userId);
    assertMayManage(actorRole, targetRole, actorUserId === userId);
    if (role === 'admin' && actorRole !== 'owner') {
      throw AppError.forbidden('Only the owner can make someone an admin.');
    }
    if (targetRole === role) return null;
    db.prepare('UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?').run(
      role,
      workspaceId,
      userId,
    );
    SeatLedger.record(
      db,
      { workspaceId, userId, event: 'role_changed', role, previousRole: targetRole, actorUserId },
      now,
    );
    return { workspaceId, userId, role };
  },

  /**
   * Removes a member (or lets a member leave): frees the seat. What they wrote stays — it
   * lives in the workspace's documents, which are not touched.
   */
  remove(
    db: SqliteDatabase,
    input: { workspaceId: string; actorUserId: string; userId: string },
    now: number,
  ): MembershipChange {
    const { workspaceId, actorUserId, userId } = input;
    const targetRole = requireMember(db, workspaceId, userId);
    const leaving = actorUserId === userId;
    if (targetRole === 'owner') {
      throw AppError.forbidden(
        leaving
          ? 'The owner cannot leave the workspace. Transfer ownership to another member first.'
          : 'The owner cannot be removed.',
      );
    }
    if (!leaving) {
      assertMayManage(Memberships.roleOf(db, workspaceId, actorUserId), targetRole, false);
    }
    db.prepare('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?').run(
      workspaceId,
      userId,
    );
    SeatLedger.record(
      db,
      { workspaceId, userId, event: 'removed', role: null, previousRole: targetRole, actorUserId },
      now,
    );
    return { workspaceId, userId, role: null };
  },

  /**
   * Hands the workspace to another member, who becomes owner; the previous owner becomes an
   * admin. When the workspace is the customer's only one, the customer's account owner (the
   * billing contact the operator sees) moves with it.
   */
  transferOwnership(
    db: SqliteDatabase,
    input: { workspaceId: string; actorUserId: string; newOwnerUserId: string },
    now: number,
  ): MembershipChange[] {
    const { workspaceId, actorUserId, newOwnerUserId } = input;
    if (Memberships.roleOf(db, workspaceId, actorUserId) !== 'owner') {
      throw AppError.forbidden('Only the owner can transfer ownership.');
    }
    if (newOwnerUserId === actorUserId) {
      throw AppError.badRequest('You already own this workspace.');
    }
    const previousRole = requireMember(db, workspaceId, newOwnerUserId);
    const setRole = db.prepare(
      'UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?',
    );
    setRole.run('owner', workspaceId, newOwnerUserId);
    setRole.run('admin', workspaceId, actorUserId);
    SeatLedger.record(
      db,
      {
        workspaceId,
        userId: newOwnerUserId,
        event: 'role_changed',
        role: 'owner',
        previousRole,
        actorUserId,
      },
      now,
    );
    SeatLedger.record(
      db,
      {
        workspaceId,
        userId: actorUserId,
        event: 'role_changed',
        role: 'admin',
        previousRole: 'owner',
        actorUserId,
      },
      now,
    );
    db.prepare(
      `UPDATE customers SET owner_user_id = ?
        WHERE id = (SELECT customer_id FROM workspaces WHERE id = ?)
          AND owner_user_id = ?
          AND (SELECT COUNT(*) FROM workspaces w2 WHERE w2.customer_id = customers.id) = 1`,
    ).run(newOwnerUserId, workspaceId, actorUserId);
    return [
      { workspaceId, userId: newOwnerUserId, role: 'owner' },
      { workspaceId, userId: actorUserId, role: 'admin' },
    ];
  },
};

function requireMember(db: SqliteDatabase, workspaceId: string, userId: string): Role {
  const role = Memberships.roleOf(db, workspaceId, userId);
  if (!role) throw AppError.notFound('This person is not a member of the workspace.');
  return role;
}

function assertMayManage(actorRole: Role | null, targetRole: Role, self: boolean): void {
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
