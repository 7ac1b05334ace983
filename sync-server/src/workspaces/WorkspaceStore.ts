import { ErrorCode, type UserWorkspace, type WorkspacePayload } from '@desk/protocol';
import type { SubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { MembershipStore } from './MembershipStore.ts';
import type { SeatLedger, SeatLedgerEntry } from './SeatLedger.ts';
import type { SeatLimit, SeatUsage } from './SeatLimit.ts';
import { assertValidSlug } from './slug.ts';
import type { WorkspaceAccessStore } from './WorkspaceAccessStore.ts';

/** A workspace the user is a member of, with the user's role there (`UserWorkspace`). */
export type WorkspaceOfUser = UserWorkspace;

export interface WorkspaceRow {
  id: string;
  customerId: string;
  slug: string;
  name: string;
  createdAt: number;
}

export interface NewWorkspace {
  name: string;
  slug: string;
}

export interface NewCustomerWithWorkspace {
  ownerUserId: string;
  customer: { kind: 'organization' | 'person'; name: string };
  workspace: NewWorkspace;
}

/**
 * Workspaces and the customers that pay for them (tables `workspaces`, `customers`, and the
 * owner's first membership). Creating one starts its trial and records the owner's seat.
 * Synchronous and transaction-free, so that sign-up can create a user, a customer and a
 * workspace in one transaction (all commit together or not at all).
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
  /**
   * Validates names and the address without writing: sign-up checks them when it is
   * requested, before the emailed confirmation creates them (which checks again). Throws
   * AppError `validation_failed` or `slug_taken`.
   */
  checkNew(input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>): {
    customerName: string;
    workspace: NewWorkspace;
  };
  /** A customer and its first workspace, owned by `ownerUserId`, in trial. */
  createWithCustomer(input: NewCustomerWithWorkspace): { customerId: string; workspaceId: string };
  /** Another workspace of an existing customer; the caller must be the customer's owner. */
  createForCustomer(input: { customerId: string; ownerUserId: string; workspace: NewWorkspace }): {
    workspaceId: string;
  };
}

/** `WorkspaceStore` with promises: the SQLite store wrapped, or `SqlWorkspaceStore`. */
export type AsyncWorkspaceStore = AsyncStore<WorkspaceStore>;

/** The stores and services the SQLite workspace store reads and writes through. */
export interface WorkspaceStoreDeps {
  readonly workspaceAccess: WorkspaceAccessStore;
  readonly subscriptions: SubscriptionStore;
  readonly memberships: MembershipStore;
  readonly seats: SeatLedger;
  readonly seatLimit: SeatLimit;
}

export const WORKSPACE_COLUMNS =
  'id, customer_id AS customerId, slug, name, created_at AS createdAt';

export class SqliteWorkspaceStore implements WorkspaceStore {
  readonly #deps: WorkspaceStoreDeps;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    deps: WorkspaceStoreDeps,
  ) {
    this.#deps = deps;
  }

  byId(id: string): WorkspaceRow | null {
    const row = this.db
      .prepare(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces WHERE id = ?`)
      .get(id) as WorkspaceRow | undefined;
    return row ?? null;
  }

  bySlug(slug: string): WorkspaceRow | null {
    const row = this.db
      .prepare(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces WHERE slug = ?`)
      .get(slug.toLowerCase()) as WorkspaceRow | undefined;
    return row ?? null;
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
    const access = this.#deps.workspaceAccess.of(userId, workspace.id);
    if (!access) return null;
    const view = this.#deps.subscriptions.view(workspace.id);
    const usage = this.#deps.seatLimit.usage(workspace.id);
    const customer = this.db
      .prepare('SELECT id, name, owner_user_id FROM customers WHERE id = ?')
      .get(workspace.customerId) as { id: string; name: string; owner_user_id: string };
    return {
      workspace: {
        id: workspace.id,
        slug: workspace.slug,
        name: workspace.name,
        role: access.role,
        state: access.state,
        readOnly: !access.canWrite,
        readOnlyReason: access.readOnlyReason,
        plan: {
          id: view.plan.id,
          name: view.plan.name,
          seatLimit: view.plan.seatLimit,
          storageQuotaBytes: view.plan.storageQuotaBytes,
          documentSizeLimitBytes: view.plan.documentSizeLimitBytes,
          snapshotRetentionDays: view.plan.snapshotRetentionDays,
        },
        seats: usage,
        trialEndsAt:
          view.state === 'trialing' || view.readOnlyReason === 'trial_expired'
            ? view.trialEndsAt
            : null,
        deleteAfter: view.deleteAfter,
        customer: {
          id: customer.id,
          name: customer.name,
          isCustomerOwner: customer.owner_user_id === userId,
        },
        ...(access.support ? { support: access.support } : {}),
      },
      members: this.#deps.memberships.list(workspace.id),
      deletedUserIds: this.#deletedUserIds(workspace.id),
    };
  }

  seats(workspaceId: string): SeatUsage & { history: SeatLedgerEntry[] } {
    return {
      ...this.#deps.seatLimit.usage(workspaceId),
      history: this.#deps.seats.history(workspaceId),
    };
  }

  checkNew(input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>): {
    customerName: string;
    workspace: NewWorkspace;
  } {
    const customerName = input.customer.name.trim();
    if (!customerName || customerName.length > 200) {
      throw AppError.badRequest('The customer name is not valid.', {
        'customer.name': 'Enter a name of at most 200 characters.',
      });
    }
    return { customerName, workspace: this.#normalizeWorkspace(input.workspace) };
  }

  createWithCustomer(input: NewCustomerWithWorkspace): { customerId: string; workspaceId: string } {
    // Validate the workspace before writing anything, so a bad slug leaves no customer behind
    // even when the caller does not roll back.
    const { customerName, workspace } = this.checkNew(input);
    const customerId = newId();
    this.db
      .prepare(
        'INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(customerId, input.customer.kind, customerName, input.ownerUserId, this.now());
    const { workspaceId } = this.#insertWorkspace(customerId, input.ownerUserId, workspace);
    return { customerId, workspaceId };
  }

  createForCustomer(input: { customerId: string; ownerUserId: string; workspace: NewWorkspace }): {
    workspaceId: string;
  } {
    const workspace = this.#normalizeWorkspace(input.workspace);
    return this.#insertWorkspace(input.customerId, input.ownerUserId, workspace);
  }

  /**
   * Former members whose account was deleted: what they wrote stays in the workspace's
   * documents under their id, and the app shows it as written by "Deleted user".
   */
  #deletedUserIds(workspaceId: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT DISTINCT s.user_id FROM seat_ledger s JOIN users u ON u.id = s.user_id
           WHERE s.workspace_id = ? AND u.email LIKE ?`,
        )
        .pluck()
        .all(workspaceId, `%@${DELETED_EMAIL_DOMAIN}`) as string[]
    ).sort();
  }

  #normalizeWorkspace(input: NewWorkspace): NewWorkspace {
    const name = input.name.trim();
    if (!name || name.length > 100) {
      throw AppError.badRequest('The workspace name is not valid.', {
        'workspace.name': 'Enter a name of at most 100 characters.',
      });
    }
    const slug = input.slug.trim().toLowerCase();
    assertValidSlug(slug);
    if (this.db.prepare('SELECT 1 FROM workspaces WHERE slug = ?').get(slug)) throw slugTaken();
    return { name, slug };
  }

  #insertWorkspace(
    customerId: string,
    ownerUserId: string,
    workspace: NewWorkspace,
  ): { workspaceId: string } {
    const workspaceId = newId();
    try {
      this.db
        .prepare(
          'INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(workspaceId, customerId, workspace.slug, workspace.name, this.now());
    } catch (err) {
      // A concurrent sign-up (another process) took the slug between the check and the insert.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw slugTaken();
      throw err;
    }
    // The owner's membership and seat-ledger entry, then the trial.
    this.#deps.memberships.add({
      workspaceId,
      userId: ownerUserId,
      role: 'owner',
      actorUserId: ownerUserId,
    });
    this.#deps.subscriptions.startTrial(workspaceId);
    return { workspaceId };
  }
}

/** The typed refusal of a workspace address already in use (shared with SqlWorkspaceStore). */
export function slugTaken(): AppError {
  return new AppError(ErrorCode.slugTaken, 409, 'This workspace address is already taken.', {
    fields: { slug: 'This address is taken. Choose another one.' },
  });
}
