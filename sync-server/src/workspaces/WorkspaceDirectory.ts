import type { WorkspacePayload } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { Subscriptions } from '../billing/Subscriptions.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import { Memberships } from './Memberships.ts';
import { SeatLimit } from './SeatLimit.ts';
import type { WorkspaceAccessStore } from './WorkspaceAccessStore.ts';

export interface WorkspaceRow {
  id: string;
  customerId: string;
  slug: string;
  name: string;
  createdAt: number;
}

export const WorkspaceDirectory = {
  bySlug(db: SqliteDatabase, slug: string): WorkspaceRow | null {
    const row = db
      .prepare(
        'SELECT id, customer_id AS customerId, slug, name, created_at AS createdAt FROM workspaces WHERE slug = ?',
      )
      .get(slug.toLowerCase()) as WorkspaceRow | undefined;
    return row ?? null;
  },

  byId(db: SqliteDatabase, id: string): WorkspaceRow | null {
    const row = db
      .prepare(
        'SELECT id, customer_id AS customerId, slug, name, created_at AS createdAt FROM workspaces WHERE id = ?',
      )
      .get(id) as WorkspaceRow | undefined;
    return row ?? null;
  },

  /**
   * What a member sees of the workspace (the body of `GET /api/workspaces/:slug`, a contract
   * in `@desk/protocol`): null when `userId` is not a member.
   */
  payload(
    db: SqliteDatabase,
    workspaceAccess: WorkspaceAccessStore,
    workspace: WorkspaceRow,
    userId: string,
    now: number,
  ): WorkspacePayload | null {
    const access = workspaceAccess.of(userId, workspace.id);
    if (!access) return null;
    const view = Subscriptions.view(Subscriptions.require(db, workspace.id), now);
    const usage = SeatLimit.usage(db, workspace.id, now);
    const customer = db
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
      },
      members: Memberships.list(db, workspace.id),
      deletedUserIds: WorkspaceDirectory.deletedUserIds(db, workspace.id),
    };
  },

  /**
   * Former members whose account was deleted: what they wrote stays in the workspace's
   * documents under their id, and the app shows it as written by "Deleted user".
   */
  deletedUserIds(db: SqliteDatabase, workspaceId: string): string[] {
    return (
      db
        .prepare(
          `SELECT DISTINCT s.user_id FROM seat_ledger s JOIN users u ON u.id = s.user_id
           WHERE s.workspace_id = ? AND u.email LIKE ?`,
        )
        .pluck()
        .all(workspaceId, `%@${DELETED_EMAIL_DOMAIN}`) as string[]
    ).sort();
  },
};
