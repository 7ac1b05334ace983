import type { CustomerSearchResponse, UserSearchResponse } from '@desk/protocol';
import { subscriptionView, type AsyncSubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncSeatLedger } from '../workspaces/SeatLedger.ts';
import { likePattern, type AsyncCustomerDirectory } from './CustomerDirectory.ts';

/** A column matched case-blind: SQLite's LIKE folds ASCII case by itself, PostgreSQL's does not. */
const matches = (column: string) => `lower(${column}) LIKE ? ESCAPE '\\'`;

/**
 * The operator console's customer and user search on the SQL seam (store/sql/):
 * SqliteCustomerDirectory's queries written once for SQLite and PostgreSQL. Account
 * information only (terms §3): no query here touches workspace content.
 */
export class SqlCustomerDirectory implements AsyncCustomerDirectory {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly stores: {
      readonly subscriptions: AsyncSubscriptionStore;
      readonly seats: AsyncSeatLedger;
    },
  ) {}

  async search(
    query: string,
    page: { limit: number; offset: number },
  ): Promise<CustomerSearchResponse> {
    const now = this.now();
    const q = likePattern(query.trim()).toLowerCase();
    const where = `WHERE ${matches('c.name')} OR ${matches('u.email')}
                      OR ${matches('u.display_name')} OR ${matches("COALESCE(u.phone, '')")}
                      OR EXISTS (SELECT 1 FROM workspaces w WHERE w.customer_id = c.id AND ${matches('w.slug')})`;
    const qs = [q, q, q, q, q];
    const total = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM customers c JOIN users u ON u.id = c.owner_user_id ${where}`,
      qs,
    );
    const rows = await this.db.all<{
      id: string;
      kind: 'organization' | 'person';
      name: string;
      created_at: number;
      owner_id: string;
      display_name: string;
      email: string;
      phone: string | null;
      status: 'active' | 'suspended';
    }>(
      `SELECT c.id, c.kind, c.name, c.created_at, u.id AS owner_id, u.display_name, u.email,
              u.phone, u.status
         FROM customers c JOIN users u ON u.id = c.owner_user_id
        ${where}
        ORDER BY c.created_at DESC, c.id LIMIT ? OFFSET ?`,
      [...qs, page.limit, page.offset],
    );
    const customers = [];
    for (const r of rows) {
      const workspaces = await this.db.all<{ id: string; slug: string; name: string }>(
        'SELECT id, slug, name FROM workspaces WHERE customer_id = ? ORDER BY created_at, id',
        [r.id],
      );
      const summaries = [];
      for (const w of workspaces) {
        const sub = await this.stores.subscriptions.require(w.id);
        const view = subscriptionView(sub, now);
        summaries.push({
          ...w,
          plan: { id: view.plan.id, name: view.plan.name },
          state: view.state,
          readOnlyReason: view.readOnlyReason,
          seats: { used: await this.stores.seats.seatsUsed(w.id), limit: view.seatLimit },
          seatLimitOverride: sub.seatLimitOverride,
          trialEndsAt: sub.trialEndsAt,
          deleteAfter: sub.deleteAfter,
        });
      }
      customers.push({
        id: r.id,
        kind: r.kind,
        name: r.name,
        createdAt: r.created_at,
        owner: {
          id: r.owner_id,
          displayName: r.display_name,
          email: r.email,
          phone: r.phone,
          status: r.status,
        },
        workspaces: summaries,
      });
    }
    return { customers, total: total?.n ?? 0 };
  }

  async searchUsers(
    query: string,
    page: { limit: number; offset: number },
  ): Promise<UserSearchResponse> {
    const q = likePattern(query.trim()).toLowerCase();
    const where = `WHERE ${matches('u.email')} OR ${matches('u.display_name')}
                      OR ${matches("COALESCE(u.phone, '')")}`;
    const total = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM users u ${where}`, [
      q,
      q,
      q,
    ]);
    const rows = await this.db.all<{
      id: string;
      email: string;
      display_name: string;
      phone: string | null;
      status: 'active' | 'suspended';
      platform_role: 'operator' | null;
      created_at: number;
      workspace_count: number;
    }>(
      `SELECT u.id, u.email, u.display_name, u.phone, u.status, u.platform_role, u.created_at,
              (SELECT COUNT(*) FROM memberships m WHERE m.user_id = u.id) AS workspace_count
         FROM users u ${where}
        ORDER BY u.created_at DESC, u.id LIMIT ? OFFSET ?`,
      [q, q, q, page.limit, page.offset],
    );
    return {
      users: rows.map((r) => ({
        id: r.id,
        email: r.email,
        displayName: r.display_name,
        phone: r.phone,
        status: r.status,
        platformRole: r.platform_role,
        createdAt: r.created_at,
        workspaceCount: r.workspace_count,
      })),
      total: total?.n ?? 0,
    };
  }
}
