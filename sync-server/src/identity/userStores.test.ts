import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeUserStoreContract } from '../testing/userStoreContract.ts';
import { SqlUserStore } from './SqlUserStore.ts';
import { SqliteUserStore } from './UserStore.ts';

function onSeam(open: () => Promise<ControlPlaneDatabase>) {
  return async () => {
    const db = await open();
    const clock = { now: 1_000_000 };
    return { db, clock, users: new SqlUserStore(db.sql, () => clock.now) };
  };
}

describeUserStoreContract('SQLite (wrapped)', async () => {
  const db = await openSqliteControlPlane();
  const clock = { now: 1_000_000 };
  const sqlite = db.sqlite!;
  return {
    db,
    clock,
    users: asyncStore(
      new SqliteUserStore(sqlite, () => clock.now),
      sqliteTransactions(sqlite).write,
    ),
  };
});

describeUserStoreContract('SQLite (SQL seam)', onSeam(openSqliteControlPlane));

await describeWithPostgres('UserStore on PostgreSQL', () => {
  describeUserStoreContract('PostgreSQL', onSeam(openPgControlPlane));
});
