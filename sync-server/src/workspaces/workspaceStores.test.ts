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
import { describeWorkspaceStoreContract } from '../testing/workspaceStoreContract.ts';
import { AsyncSeatLimit } from './AsyncSeatLimit.ts';
import { SqlMembershipStore } from './SqlMembershipStore.ts';
import { SqlSeatLedger } from './SqlSeatLedger.ts';
import { SqlWorkspaceAccessStore } from './SqlWorkspaceAccessStore.ts';
import { SqlWorkspaceStore } from './SqlWorkspaceStore.ts';
import { sqliteWorkspaceStores } from './workspaceStores.ts';

function seamStores(db: ControlPlaneDatabase, now: () => number) {
  const seats = new SqlSeatLedger(db.sql, now);
  const memberships = new SqlMembershipStore(db.sql, now, seats);
  const subscriptions = new SqlSubscriptionViews(db.sql, now);
  const seatLimit = new AsyncSeatLimit(db.sql, subscriptions, seats);
  const workspaces = new SqlWorkspaceStore(db.sql, now, {
    workspaceAccess: new SqlWorkspaceAccessStore(db.sql, now),
    subscriptions,
    memberships,
    seats,
    seatLimit,
  });
  return { memberships, workspaces, users: new SqlUserStore(db.sql, now) };
}

function wrappedStores(db: ControlPlaneDatabase, now: () => number) {
  const sqlite = db.sqlite!;
  const stores = sqliteWorkspaceStores(sqlite, now, new SqliteAuditStore(sqlite, now));
  const write = sqliteTransactions(sqlite).write;
  return {
    memberships: asyncStore(stores.memberships, write),
    workspaces: asyncStore(stores.workspaces, write),
    users: asyncStore(new SqliteUserStore(sqlite, now)),
  };
}

function fixture(
  openDb: () => Promise<ControlPlaneDatabase>,
  stores: typeof seamStores | typeof wrappedStores,
) {
  return async () => {
    const db = await openDb();
    const clock = { now: 1_700_000_000_000 };
    const now = () => clock.now;
    return {
      db,
      clock,
      ...stores(db, now),
      another: async () => stores(await db.another(), now).workspaces,
    };
  };
}

describeWorkspaceStoreContract('SQLite (wrapped)', fixture(openSqliteControlPlane, wrappedStores));
describeWorkspaceStoreContract('SQLite (SQL seam)', fixture(openSqliteControlPlane, seamStores));
await describeWithPostgres('WorkspaceStore on PostgreSQL', () => {
  describeWorkspaceStoreContract('PostgreSQL', fixture(openPgControlPlane, seamStores));
});
