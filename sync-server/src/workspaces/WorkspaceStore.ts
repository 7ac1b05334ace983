import type { UserWorkspace } from '@desk/protocol';
import type { WorkspacePayload } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import {
  checkCustomerWithWorkspace,
  createCustomerWithWorkspace,
  createWorkspaceForCustomer,
  type NewCustomerWithWorkspace,
  type NewWorkspace,
} from './createCustomerWithWorkspace.ts';
import { SeatLedger, type SeatLedgerEntry } from './SeatLedger.ts';
import { SeatLimit, type SeatUsage } from './SeatLimit.ts';
import type { WorkspaceAccessStore } from './WorkspaceAccessStore.ts';
import { WorkspaceDirectory, type WorkspaceRow } from './WorkspaceDirectory.ts';

/** A workspace the user is a member of, with the user's role there (`UserWorkspace`). */
export type WorkspaceOfUser = UserWorkspace;

/**
 * Workspaces and the customers that pay for them (tables `workspaces`, `customers`, and the
 * owner's first membership). Creating one starts its trial and records the owner's seat.
 * Synchronous, so that sign-up can create a user and a workspace in one transaction.
 */
export interface WorkspaceStore {
  byId(id: string): WorkspaceRow | null;
  bySlug(slug: string): WorkspaceRow | null;
  /** Oldest membership first (the first is the user's "home"). */
  ofUser(userId: string): WorkspaceOfUser[];
  /** Ids of the customers the user owns, oldest first. */
  customersOwnedBy(userId: string): string[];
  rename(workspaceId: string, name: string): void;
  /** What a member sees of the workspace (`GET /api/workspaces/:slug`); null: not a member. */
  payload(workspace: WorkspaceRow, userId: string): WorkspacePayload | null;
  /** Seats used and the limit, and the seat ledger newest first (terms §1). */
  seats(workspaceId: string): SeatUsage & { history: SeatLedgerEntry[] };
  /** Validates names and the address without writing (throws validation_failed, slug_taken). */
  checkNew(input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>): {
    customerName: string;
    workspace: NewWorkspace;
  };
  /** A customer and its first workspace, owned by `ownerUserId`. */
  createWithCustomer(input: NewCustomerWithWorkspace): { customerId: string; workspaceId: string };
  /** Another workspace of an existing customer. */
  createForCustomer(input: { customerId: string; ownerUserId: string; workspace: NewWorkspace }): {
    workspaceId: string;
  };
}

export class SqliteWorkspaceStore implements WorkspaceStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly access: WorkspaceAccessStore,
  ) {}

  byId(id: string): WorkspaceRow | null {
    return WorkspaceDirectory.byId(this.db, id);
  }

  bySlug(slug: string): WorkspaceRow | null {
    return WorkspaceDirectory.bySlug(this.db, slug);
  }

  ofUser(userId: string): WorkspaceOfUser[] {
    return this.db
      .prepare(
        `SELECT w.id, w.slug, w.name, m.role FROM memberships m
         JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = ? ORDER BY m.created_at, w.created_at`,
      )
      .all(userId) as WorkspaceOfUser[];
  }

  customersOwnedBy(userId: string): string[] {
    const rows = this.db
      .prepare('SELECT id FROM customers WHERE owner_user_id = ? ORDER BY created_at')
      .all(userId) as { id: string }[];
    return rows.map((r) => r.id);
  }

  rename(workspaceId: string, name: string): void {
    this.db.prepare('UPDATE workspaces SET name = ? WHERE id = ?').run(name, workspaceId);
  }

  payload(workspace: WorkspaceRow, userId: string): WorkspacePayload | null {
    return WorkspaceDirectory.payload(this.db, this.access, workspace, userId, this.now());
  }

  seats(workspaceId: string): SeatUsage & { history: SeatLedgerEntry[] } {
    return {
      ...SeatLimit.usage(this.db, workspaceId, this.now()),
      history: SeatLedger.history(this.db, workspaceId),
    };
  }

  checkNew(input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>): {
    customerName: string;
    workspace: NewWorkspace;
  } {
    return checkCustomerWithWorkspace(this.db, input);
  }

  createWithCustomer(input: NewCustomerWithWorkspace): { customerId: string; workspaceId: string } {
    return createCustomerWithWorkspace(this.db, input, this.now());
  }

  createForCustomer(input: { customerId: string; ownerUserId: string; workspace: NewWorkspace }): {
    workspaceId: string;
  } {
    return createWorkspaceForCustomer(this.db, input, this.now());
  }
}
