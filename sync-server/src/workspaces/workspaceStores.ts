import type { AuditStore } from '../audit/AuditStore.ts';
import { SqliteSubscriptionStore, type SubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { SqliteInvitationStore, type InvitationStore } from './InvitationStore.ts';
import { SqliteMembershipStore, type MembershipStore } from './MembershipStore.ts';
import { SqliteSeatLedger, type SeatLedger } from './SeatLedger.ts';
import { SeatLimit } from './SeatLimit.ts';
import { SqliteWorkspaceAccessStore, type WorkspaceAccessStore } from './WorkspaceAccessStore.ts';
import { SqliteWorkspaceStore, type WorkspaceStore } from './WorkspaceStore.ts';

/** The stores of workspaces, their members, seats and subscriptions, wired to each other. */
export interface WorkspaceStores {
  readonly subscriptions: SubscriptionStore;
  readonly seats: SeatLedger;
  readonly seatLimit: SeatLimit;
  readonly memberships: MembershipStore;
  readonly invitations: InvitationStore;
  /** A member's role and read-only reason now, the plan's limits (routes, sync auth, blobs). */
  readonly workspaceAccess: WorkspaceAccessStore;
  readonly workspaces: WorkspaceStore;
}

/**
 * The SQLite side of `WorkspaceStores`: createServices builds it once for the server; seeds
 * and unit tests that hold only a database build their own. A PostgreSQL implementation
 * gets a sibling of this function and nothing above it changes.
 */
export function sqliteWorkspaceStores(
  db: SqliteDatabase,
  now: () => number,
  audit: AuditStore,
): WorkspaceStores {
  const subscriptions = new SqliteSubscriptionStore(db, now, audit);
  const seats = new SqliteSeatLedger(db, now);
  const seatLimit = new SeatLimit({ subscriptions, seats });
  const memberships = new SqliteMembershipStore(db, now, seats);
  const workspaceAccess = new SqliteWorkspaceAccessStore(db, now);
  return {
    subscriptions,
    seats,
    seatLimit,
    memberships,
    invitations: new SqliteInvitationStore(db, now, { memberships, seatLimit, subscriptions }),
    workspaceAccess,
    workspaces: new SqliteWorkspaceStore(db, now, {
      workspaceAccess,
      subscriptions,
      memberships,
      seats,
      seatLimit,
    }),
  };
}
