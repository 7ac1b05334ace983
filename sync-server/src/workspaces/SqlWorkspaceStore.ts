import type { WorkspacePayload } from '@desk/protocol';
import type { AsyncSubscriptionViews } from '../billing/SqlSubscriptionViews.ts';
import { AppError } from '../http/AppError.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncSeatLimit } from './AsyncSeatLimit.ts';
import type { AsyncMembershipStore } from './MembershipStore.ts';
import type { AsyncSeatLedger, SeatLedgerEntry } from './SeatLedger.ts';
import type { SeatUsage } from './SeatLimit.ts';
import { assertValidSlug } from './slug.ts';
import type { AsyncWorkspaceAccessStore } from './WorkspaceAccessStore.ts';
import {
  slugTaken,
  WORKSPACE_COLUMNS,
  type AsyncWorkspaceStore,
  type NewCustomerWithWorkspace,
  type NewWorkspace,
  type WorkspaceOfUser,
  type WorkspaceRow,
} from './WorkspaceStore.ts';

/** The stores the workspace store on the seam reads and writes through. */
export interface SqlWorkspaceStoreDeps {
  readonly workspaceAccess: AsyncWorkspaceAccessStore;
  readonly subscriptions: AsyncSubscriptionViews;
  readonly memberships: AsyncMembershipStore;
  readonly seats: AsyncSeatLedger;
  readonly seatLimit: AsyncSeatLimit;
}

/**
 * Workspaces and their customers on the SQL seam: SqliteWorkspaceStore's rules (names,
 * addresses, the owner's seat and the trial with every new workspace) and statements, written
 * once. Creating one is one transaction; a concurrent creation (another process) taking the
 * address between the check and the insert is refused as `slug_taken`.
 */
export class SqlWorkspaceStore implements AsyncWorkspaceStore {
  readonly #deps: SqlWorkspaceStoreDeps;

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    deps: SqlWorkspaceStoreDeps,
  ) {
    this.#deps = deps;
  }

  async byId(id: string): Promise<WorkspaceRow | null> {
    return (
      (await this.db.get<WorkspaceRow>(
        `SELECT ${quoted(WORKSPACE_COLUMNS)} FROM workspaces WHERE id = ?`,
        [id],
      )) ?? null
    );
  }

  async bySlug(slug: string): Promise<WorkspaceRow | null> {
    return (
      (await this.db.get<WorkspaceRow>(
        `SELECT ${quoted(WORKSPACE_COLUMNS)} FROM workspaces WHERE slug = ?`,
        [slug.toLowerCase()],
      )) ?? null
    );
  }

  ofUser(userId: string): Promise<WorkspaceOfUser[]> {
    return this.db.all<WorkspaceOfUser>(
      `SELECT w.id, w.slug, w.name, m.role FROM memberships m
       JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = ? ORDER BY m.created_at, w.created_at, w.id`,
      [userId],
    );
  }

  async customersOwnedBy(userId: string): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      'SELECT id FROM customers WHERE owner_user_id = ? ORDER BY created_at, id',
      [userId],
    );
    return rows.map((r) => r.id);
  }

  async rename(workspaceId: string, name: string): Promise<void> {
    await this.db.run('UPDATE workspaces SET name = ? WHERE id = ?', [name, workspaceId]);
  }

  async payload(workspace: WorkspaceRow, userId: string): Promise<WorkspacePayload | null> {
    const access = await this.#deps.workspaceAccess.of(userId, workspace.id);
    if (!access) return null;
    const view = await this.#deps.subscriptions.view(workspace.id);
    const usage = await this.#deps.seatLimit.usage(workspace.id);
    const customer = (await this.db.get<{ id: string; name: string; owner_user_id: string }>(
      'SELECT id, name, owner_user_id FROM customers WHERE id = ?',
      [workspace.customerId],
    ))!;
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
      members: await this.#deps.memberships.list(workspace.id),
      deletedUserIds: await this.#deletedUserIds(workspace.id),
    };
  }

  async seats(workspaceId: string): Promise<SeatUsage & { history: SeatLedgerEntry[] }> {
    return {
      ...(await this.#deps.seatLimit.usage(workspaceId)),
      history: await this.#deps.seats.history(workspaceId),
    };
  }

  async checkNew(input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>): Promise<{
    customerName: string;
    workspace: NewWorkspace;
  }> {
    const customerName = input.customer.name.trim();
    if (!customerName || customerName.length > 200) {
      throw AppError.badRequest('The customer name is not valid.', {
        'customer.name': 'Enter a name of at most 200 characters.',
      });
    }
    return { customerName, workspace: await this.#normalizeWorkspace(input.workspace) };
  }

  createWithCustomer(
    input: NewCustomerWithWorkspace,
  ): Promise<{ customerId: string; workspaceId: string }> {
    return this.db.transaction(async () => {
      const { customerName, workspace } = await this.checkNew(input);
      const customerId = newId();
      await this.db.run(
        'INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?)',
        [customerId, input.customer.kind, customerName, input.ownerUserId, this.now()],
      );
      const { workspaceId } = await this.#insertWorkspace(customerId, input.ownerUserId, workspace);
      return { customerId, workspaceId };
    });
  }

  createForCustomer(input: {
    customerId: string;
    ownerUserId: string;
    workspace: NewWorkspace;
  }): Promise<{ workspaceId: string }> {
    return this.db.transaction(async () => {
      const workspace = await this.#normalizeWorkspace(input.workspace);
      return this.#insertWorkspace(input.customerId, input.ownerUserId, workspace);
    });
  }

  async #deletedUserIds(workspaceId: string): Promise<string[]> {
    const rows = await this.db.all<{ user_id: string }>(
      `SELECT DISTINCT s.user_id FROM seat_ledger s JOIN users u ON u.id = s.user_id
       WHERE s.workspace_id = ? AND u.email LIKE ?`,
      [workspaceId, `%@${DELETED_EMAIL_DOMAIN}`],
    );
    return rows.map((r) => r.user_id).sort();
  }

  async #normalizeWorkspace(input: NewWorkspace): Promise<NewWorkspace> {
    const name = input.name.trim();
    if (!name || name.length > 100) {
      throw AppError.badRequest('The workspace name is not valid.', {
        'workspace.name': 'Enter a name of at most 100 characters.',
      });
    }
    const slug = input.slug.trim().toLowerCase();
    assertValidSlug(slug);
    if (await this.db.get('SELECT 1 AS one FROM workspaces WHERE slug = ?', [slug])) {
      throw slugTaken();
    }
    return { name, slug };
  }

  async #insertWorkspace(
    customerId: string,
    ownerUserId: string,
    workspace: NewWorkspace,
  ): Promise<{ workspaceId: string }> {
    const workspaceId = newId();
    try {
      await this.db.run(
        'INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
        [workspaceId, customerId, workspace.slug, workspace.name, this.now()],
      );
    } catch (err) {
      // A concurrent sign-up (another process) took the slug between the check and the insert.
      if (this.db.dialect.isUniqueViolation(err)) throw slugTaken();
      throw err;
    }
    await this.#deps.memberships.add({
      workspaceId,
      userId: ownerUserId,
      role: 'owner',
      actorUserId: ownerUserId,
    });
    await this.#deps.subscriptions.startTrial(workspaceId);
    return { workspaceId };
  }
}

/**
 * PostgreSQL folds unquoted aliases to lower case (`customerId` would come back as
 * `customerid`); quoted, both engines keep the case.
 */
function quoted(columns: string): string {
  return columns.replace(/ AS (\w+)/g, ' AS "$1"');
}
