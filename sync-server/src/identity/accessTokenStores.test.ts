import { AccessEvents } from '../access/AccessEvents.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { describeAccessTokenStoreContract } from '../testing/accessTokenStoreContract.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { SqliteAccessTokenStore } from './AccessTokenStore.ts';
import { SqlAccessTokenStore } from './SqlAccessTokenStore.ts';
import { SqlUserStore } from './SqlUserStore.ts';
import { SqliteUserStore } from './UserStore.ts';

function onSeam(open: () => Promise<ControlPlaneDatabase>) {
  return async () => {
    const db = await open();
    const clock = { now: 1_700_000_000_000 };
    const now = () => clock.now;
    const access = new AccessEvents();
    const users = new SqlUserStore(db.sql, now);
    return {
      db,
      clock,
      access,
      users,
      tokens: new SqlAccessTokenStore(db.sql, now, access, users),
    };
  };
}

describeAccessTokenStoreContract('SQLite (wrapped)', async () => {
  const db = await openSqliteControlPlane();
  const sqlite = db.sqlite!;
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const access = new AccessEvents();
  const users = new SqliteUserStore(sqlite, now);
  const write = sqliteTransactions(sqlite).write;
  return {
    db,
    clock,
    access,
    users: asyncStore(users, write),
    tokens: asyncStore(new SqliteAccessTokenStore(sqlite, now, access, users), write),
  };
});

describeAccessTokenStoreContract('SQLite (SQL seam)', onSeam(openSqliteControlPlane));

await describeWithPostgres('AccessTokenStore on PostgreSQL', () => {
  describeAccessTokenStoreContract('PostgreSQL', onSeam(openPgControlPlane));
});
