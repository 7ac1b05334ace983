import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { AppError } from '../http/AppError.ts';
import {
  assertMayManage,
  type AsyncMembershipStore,
  type Member,
  type MembershipChange,
} from './MembershipStore.ts';
import type { Role } from './roles.ts';
import type { AsyncSeatLedger } from './SeatLedger.ts';

/**
 * Memberships on the SQL seam: SqliteMembershipStore's rules (`assertMayManage`, the owner
 * only moving by transfer) and statements, written once. Each change is one transaction
 * with its seat-ledger entry (joining the caller's, if one is open).
 */
export class SqlMembershipStore implements AsyncMembershipStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly seats: AsyncSeatLedger,
  ) {}

  async roleOf(workspaceId: string, userId: string): Promise<Role | null> {
    const row = await this.db.get<{ role: Role }>(
      'SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?',
      [workspaceId, userId],
    );
    return row?.role ?? null;
  }

  async list(workspaceId: string): Promise<Member[]> {
    // lower(): SQLite's NOCASE and PostgreSQL's collations differ; lower() is the same in both.
    const rows = await this.db.all<{
      id: string;
      display_name: string;
      email: string;
      role: Role;
      created_at: number;
    }>(
      `SELECT u.id, u.display_name, u.email, m.role, m.created_at
         FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = ?
        ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END,
                 lower(u.display_name), u.id`,
      [workspaceId],
    );
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
  }): Promise<MembershipChange> {
    return this.db.transaction(async () => {
      await this.db.run(
        'INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)',
        [input.workspaceId, input.userId, input.role, this.now()],
      );
      await this.seats.record({
        workspaceId: input.workspaceId,
        userId: input.userId,
        event: 'joined',
        role: input.role,
        previousRole: null,
        actorUserId: input.actorUserId,
      });
      return { workspaceId: input.workspaceId, userId: input.userId, role: input.role };
    });
  }

  changeRole(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
    role: Exclude<Role, 'owner'>;
  }): Promise<MembershipChange | null> {
    const { workspaceId, actorUserId, userId, role } = input;
    return this.db.transaction(async () => {
      const actorRole = await this.roleOf(workspaceId, actorUserId);
      const targetRole = await this.#requireMember(workspaceId, userId);
      assertMayManage(actorRole, targetRole, actorUserId === userId);
      if (role === 'admin' && actorRole !== 'owner') {
        throw AppError.forbidden('Only the owner can make someone an admin.');
      }
      if (targetRole === role) return null;
      await this.#setRole(workspaceId, userId, role);
      await this.seats.record({
        workspaceId,
        userId,
        event: 'role_changed',
        role,
        previousRole: targetRole,
        actorUserId,
      });
      return { workspaceId, userId, role };
    });
  }

  remove(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
  }): Promise<MembershipChange> {
    const { workspaceId, actorUserId, userId } = input;
    return this.db.transaction(async () => {
      const targetRole = await this.#requireMember(workspaceId, userId);
      const leaving = actorUserId === userId;
      if (targetRole === 'owner') {
        throw AppError.forbidden(
          leaving
            ? 'The owner cannot leave the workspace. Transfer ownership to another member first.'
            : 'The owner cannot be removed.',
        );
      }
      if (!leaving) {
        assertMayManage(await this.roleOf(workspaceId, actorUserId), targetRole, false);
      }
      await this.db.run('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?', [
        workspaceId,
        userId,
      ]);
      await this.seats.record({
        workspaceId,
        userId,
        event: 'removed',
        role: null,
        previousRole: targetRole,
        actorUserId,
      });
      return { workspaceId, userId, role: null };
    });
  }

  transferOwnership(input: {
    workspaceId: string;
    actorUserId: string;
    newOwnerUserId: string;
  }): Promise<MembershipChange[]> {
    const { workspaceId, actorUserId, newOwnerUserId } = input;
    return this.db.transaction(async () => {
      if ((await this.roleOf(workspaceId, actorUserId)) !== 'owner') {
        throw AppError.forbidden('Only the owner can transfer ownership.');
      }
      if (newOwnerUserId === actorUserId) {
        throw AppError.badRequest('You already own this workspace.');
      }
      const previousRole = await this.#requireMember(workspaceId, newOwnerUserId);
      await this.#setRole(workspaceId, newOwnerUserId, 'owner');
      await this.#setRole(workspaceId, actorUserId, 'admin');
      await this.seats.record({
        workspaceId,
        userId: newOwnerUserId,
        event: 'role_changed',
        role: 'owner',
        previousRole,
        actorUserId,
      });
      await this.seats.record({
        workspaceId,
        userId: actorUserId,
        event: 'role_changed',
        role: 'admin',
        previousRole: 'owner',
        actorUserId,
      });
      await this.db.run(
        `UPDATE customers SET owner_user_id = ?
          WHERE id = (SELECT customer_id FROM workspaces WHERE id = ?)
            AND owner_user_id = ?
            AND (SELECT COUNT(*) FROM workspaces w2 WHERE w2.customer_id = customers.id) = 1`,
        [newOwnerUserId, workspaceId, actorUserId],
      );
      return [
        { workspaceId, userId: newOwnerUserId, role: 'owner' },
        { workspaceId, userId: actorUserId, role: 'admin' },
      ];
    });
  }

  async #setRole(workspaceId: string, userId: string, role: Role): Promise<void> {
    await this.db.run('UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?', [
      role,
      workspaceId,
      userId,
    ]);
  }

  async #requireMember(workspaceId: string, userId: string): Promise<Role> {
    const role = await this.roleOf(workspaceId, userId);
    if (!role) throw AppError.notFound('This person is not a member of the workspace.');
    return role;
  }
}
