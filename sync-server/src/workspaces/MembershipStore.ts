import type { SqliteDatabase } from '../db/Database.ts';
import { Memberships, type Member, type MembershipChange } from './Memberships.ts';
import type { Role } from './roles.ts';

/**
 * Who is in a workspace with which role (table `memberships`). Every change records its
 * seat-ledger entry and returns what live connections must hear (`membershipChanged`).
 * Synchronous, so that a route can put a change in one transaction with other writes.
 */
export interface MembershipStore {
  roleOf(workspaceId: string, userId: string): Role | null;
  /** Members with their roles, owner first. */
  list(workspaceId: string): Member[];
  /** Throws forbidden / not_found when the actor may not make this change; null: no change. */
  changeRole(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
    role: Exclude<Role, 'owner'>;
  }): MembershipChange | null;
  /** A member leaving (actor = user) or removed by a manager. */
  remove(input: { workspaceId: string; actorUserId: string; userId: string }): MembershipChange;
  transferOwnership(input: {
    workspaceId: string;
    actorUserId: string;
    newOwnerUserId: string;
  }): MembershipChange[];
}

/** The SQLite store: the `Memberships` functions, on one database and clock. */
export class SqliteMembershipStore implements MembershipStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  roleOf(workspaceId: string, userId: string): Role | null {
    return Memberships.roleOf(this.db, workspaceId, userId);
  }

  list(workspaceId: string): Member[] {
    return Memberships.list(this.db, workspaceId);
  }

  changeRole(input: {
    workspaceId: string;
    actorUserId: string;
    userId: string;
    role: Exclude<Role, 'owner'>;
  }): MembershipChange | null {
    return Memberships.changeRole(this.db, input, this.now());
  }

  remove(input: { workspaceId: string; actorUserId: string; userId: string }): MembershipChange {
    return Memberships.remove(this.db, input, this.now());
  }

  transferOwnership(input: {
    workspaceId: string;
    actorUserId: string;
    newOwnerUserId: string;
  }): MembershipChange[] {
    return Memberships.transferOwnership(this.db, input, this.now());
  }
}
