import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { SqlSubscriptionViews } from '../billing/SqlSubscriptionViews.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { SqlUserStore } from '../identity/SqlUserStore.ts';
import { SqliteUserStore } from '../identity/UserStore.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeSeatStoresContract, type SeatStores } from '../testing/seatStoresContract.ts';
import { AsyncSeatLimit } from './AsyncSeatLimit.ts';
import { SqlInvitationStore } from './SqlInvitationStore.ts';
import { SqlMembershipStore } from './SqlMembershipStore.ts';
import { SqlSeatLedger } from './SqlSeatLedger.ts';
import { sqliteWorkspaceStores } from './workspaceStores.ts';

function seamStores(db: ControlPlaneDatabase, now: () => number): SeatStores {
  const seats = new SqlSeatLedger(db.sql, now);
  const memberships = new SqlMembershipStore(db.sql, now, seats);
  const seatLimit = new AsyncSeatLimit(db.sql, new SqlSubscriptionViews(db.sql, now), seats);
  return {
    seats,
    memberships,
    invitations: new SqlInvitationStore(db.sql, now, { memberships, seatLimit }),
  };
}

function wrappedStores(db: ControlPlaneDatabase, now: () => number): SeatStores {
  const sqlite = db.sqlite!;
  const stores = sqliteWorkspaceStores(sqlite, now, new SqliteAuditStore(sqlite, now));
  const write = sqliteTransactions(sqlite).write;
  return {
    seats: asyncStore(stores.seats, write),
    memberships: asyncStore(stores.memberships, write),
    invitations: asyncStore(stores.invitations, write),
  };
}

function fixture(
  openDb: () => Promise<ControlPlaneDatabase>,
  stores: (db: ControlPlaneDatabase, now: () => number) => SeatStores,
  wrapped: boolean,
) {
  return async () => {
    const db = await openDb();
    const clock = { now: 1_700_000_000_000 };
    const now = () => clock.now;
    return {
      db,
      clock,
      users: wrapped
        ? asyncStore(new SqliteUserStore(db.sqlite!, now))
        : new SqlUserStore(db.sql, now),
      ...stores(db, now),
      another: async () => stores(await db.another(), now),
    };
  };
}

describeSeatStoresContract(
  'SQLite (wrapped)',
  fixture(openSqliteControlPlane, wrappedStores, true),
);
describeSeatStoresContract('SQLite (SQL seam)', fixture(openSqliteControlPlane, seamStores, false));
await describeWithPostgres('Seat stores on PostgreSQL', () => {
  describeSeatStoresContract('PostgreSQL', fixture(openPgControlPlane, seamStores, false), {
    lockWaits: async (db) => {
      const row = await db.sql.get<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return (row?.n ?? 0) > 0;
    },
  });
});
