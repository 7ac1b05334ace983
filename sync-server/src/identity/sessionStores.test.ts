import { AccessEvents } from '../access/AccessEvents.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeSessionStoreContract } from '../testing/sessionStoreContract.ts';
import { SqliteSessionStore } from './SessionStore.ts';
import { SqlSessionStore } from './SqlSessionStore.ts';
import { SqlUserStore } from './SqlUserStore.ts';
import { SqliteUserStore } from './UserStore.ts';

function onSeam(open: () => Promise<ControlPlaneDatabase>) {
  return async () => {
    const db = await open();
    const clock = { now: 1_000_000 };
    const now = () => clock.now;
    const access = new AccessEvents();
    const users = new SqlUserStore(db.sql, now);
    return { db, clock, access, users, sessions: new SqlSessionStore(db.sql, now, access, users) };
  };
}

describeSessionStoreContract('SQLite (wrapped)', async () => {
  const db = await openSqliteControlPlane();
  const sqlite = db.sqlite!;
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const access = new AccessEvents();
  const users = new SqliteUserStore(sqlite, now);
  const write = sqliteTransactions(sqlite).write;
  return {
    db,
    clock,
    access,
    users: asyncStore(users, write),
    sessions: asyncStore(new SqliteSessionStore(sqlite, now, access, users), write),
  };
});

describeSessionStoreContract('SQLite (SQL seam)', onSeam(openSqliteControlPlane));

await describeWithPostgres('SessionStore on PostgreSQL', () => {
  describeSessionStoreContract('PostgreSQL', onSeam(openPgControlPlane));
});
