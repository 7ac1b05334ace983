import type {
  CustomerSearchResponse,
  CustomerSummary,
  UserSearchResponse,
  UserSummary,
} from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { subscriptionView, type SubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { SeatLedger } from '../workspaces/SeatLedger.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

// The directory answers in the wire types; its callers (routes, tests) take them from here.
export type { CustomerSummary, UserSummary };

/** `%query%` for LIKE … ESCAPE '\\': the query's own `%`, `_` and `\\` match themselves. */
export function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * What the operator console may know about a customer: account information only (terms
 * §3) — who pays, how to reach them, the plan, seats and state of each workspace. No query
 * here touches workspace content (documents, tickets, messages, files).
 */
export interface CustomerDirectory {
  /** Customers matching `query` (name, owner's name/email/phone, workspace slug), newest first. */
  search(query: string, page: { limit: number; offset: number }): CustomerSearchResponse;
  /** User accounts matching `query` (name, email, phone), for suspension and reinstatement. */
  searchUsers(query: string, page: { limit: number; offset: number }): UserSearchResponse;
}

/** The CustomerDirectory as callers see it once PostgreSQL may be behind it. */
export type AsyncCustomerDirectory = AsyncStore<CustomerDirectory>;

export class SqliteCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly stores: {
      readonly subscriptions: SubscriptionStore;
      readonly seats: SeatLedger;
    },
  ) {}

  search(query: string, page: { limit: number; offset: number }): CustomerSearchResponse {
    const { db } = this;
    const now = this.now();
    const pattern = likePattern(query.trim());
    const where = `WHERE c.name LIKE @q ESCAPE '\\' OR u.email LIKE @q ESCAPE '\\'
                      OR u.display_name LIKE @q ESCAPE '\\' OR IFNULL(u.phone, '') LIKE @q ESCAPE '\\'
                      OR EXISTS (SELECT 1 FROM workspaces w WHERE w.customer_id = c.id AND w.slug LIKE @q ESCAPE '\\')`;
    const total = db
      .prepare(
        `SELECT COUNT(*) AS n FROM customers c JOIN users u ON u.id = c.owner_user_id ${where}`,
      )
      .get({ q: pattern }) as { n: number };
    const rows = db
      .prepare(
        `SELECT c.id, c.kind, c.name, c.created_at, u.id AS owner_id, u.display_name, u.email, u.phone, u.status
           FROM customers c JOIN users u ON u.id = c.owner_user_id
          ${where}
          ORDER BY c.created_at DESC, c.id LIMIT @limit OFFSET @offset`,
      )
      .all({ q: pattern, limit: page.limit, offset: page.offset }) as {
      id: string;
      kind: 'organization' | 'person';
      name: string;
      created_at: number;
      owner_id: string;
      display_name: string;
      email: string;
      phone: string | null;
      status: 'active' | 'suspended';
    }[];
    const workspacesOf = db.prepare(
      'SELECT id, slug, name FROM workspaces WHERE customer_id = ? ORDER BY created_at',
    );
    const customers = rows.map((r) => ({
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
      workspaces: (workspacesOf.all(r.id) as { id: string; slug: string; name: string }[]).map(
        (w) => {
          const sub = this.stores.subscriptions.require(w.id);
          const view = subscriptionView(sub, now);
          return {
            ...w,
            plan: { id: view.plan.id, name: view.plan.name },
            state: view.state,
            readOnlyReason: view.readOnlyReason,
            seats: { used: this.stores.seats.seatsUsed(w.id), limit: view.seatLimit },
            seatLimitOverride: sub.seatLimitOverride,
            trialEndsAt: sub.trialEndsAt,
            deleteAfter: sub.deleteAfter,
          };
        },
      ),
    }));
    return { customers, total: total.n };
  }

  /** User accounts matching `query` (name, email, phone), for suspension and reinstatement. */
  searchUsers(query: string, page: { limit: number; offset: number }): UserSearchResponse {
    const { db } = this;
    const pattern = likePattern(query.trim());
    const where = `WHERE u.email LIKE @q ESCAPE '\\' OR u.display_name LIKE @q ESCAPE '\\'
                      OR IFNULL(u.phone, '') LIKE @q ESCAPE '\\'`;
    const total = db.prepare(`SELECT COUNT(*) AS n FROM users u ${where}`).get({ q: pattern }) as {
      n: number;
    };
    const rows = db
      .prepare(
        `SELECT u.id, u.email, u.display_name, u.phone, u.status, u.platform_role, u.created_at,
                (SELECT COUNT(*) FROM memberships m WHERE m.user_id = u.id) AS workspace_count
           FROM users u ${where}
          ORDER BY u.created_at DESC, u.id LIMIT @limit OFFSET @offset`,
      )
      .all({ q: pattern, limit: page.limit, offset: page.offset }) as {
      id: string;
      email: string;
      display_name: string;
      phone: string | null;
      status: 'active' | 'suspended';
      platform_role: 'operator' | null;
      created_at: number;
      workspace_count: number;
    }[];
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
      total: total.n,
    };
  }
}
