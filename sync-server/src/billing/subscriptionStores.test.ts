import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { SqlAuditStore } from '../audit/SqlAuditStore.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeSubscriptionStoreContract } from '../testing/subscriptionStoreContract.ts';
import { SqlSubscriptionStore } from './SqlSubscriptionStore.ts';
import { SqliteSubscriptionStore } from './SubscriptionStore.ts';

function seamStores(db: ControlPlaneDatabase, now: () => number) {
  const audit = new SqlAuditStore(db.sql, now);
  return { audit, subscriptions: new SqlSubscriptionStore(db.sql, now, audit) };
}

function wrappedStores(db: ControlPlaneDatabase, now: () => number) {
  const sqlite = db.sqlite!;
  const audit = new SqliteAuditStore(sqlite, now);
  const write = sqliteTransactions(sqlite).write;
  return {
    audit: asyncStore(audit),
    subscriptions: asyncStore(new SqliteSubscriptionStore(sqlite, now, audit), write),
  };
}

function fixture(
  openDb: () => Promise<ControlPlaneDatabase>,
  stores: typeof seamStores | typeof wrappedStores,
) {
  return async () => {
    const db = await openDb();
    const clock = { now: Date.UTC(2026, 0, 1) };
    const now = () => clock.now;
    return {
      db,
      clock,
      ...stores(db, now),
      another: async () => stores(await db.another(), now).subscriptions,
    };
  };
}

describeSubscriptionStoreContract(
  'SQLite (wrapped)',
  fixture(openSqliteControlPlane, wrappedStores),
);
describeSubscriptionStoreContract('SQLite (SQL seam)', fixture(openSqliteControlPlane, seamStores));
await describeWithPostgres('SubscriptionStore on PostgreSQL', () => {
  describeSubscriptionStoreContract('PostgreSQL', fixture(openPgControlPlane, seamStores));
});
