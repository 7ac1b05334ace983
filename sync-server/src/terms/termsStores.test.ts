import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeTermsStoreContract, termsContractStart } from '../testing/termsStoreContract.ts';
import { SqlTermsStore } from './SqlTermsStore.ts';
import { SqliteTermsStore } from './TermsStore.ts';

function onSeam(open: () => Promise<ControlPlaneDatabase>) {
  return async () => {
    const db = await open();
    const clock = { now: termsContractStart };
    const now = () => clock.now;
    return {
      db,
      clock,
      terms: new SqlTermsStore(db.sql, now),
      another: async () => new SqlTermsStore((await db.another()).sql, now),
    };
  };
}

describeTermsStoreContract('SQLite (wrapped)', async () => {
  const db = await openSqliteControlPlane();
  const clock = { now: termsContractStart };
  const now = () => clock.now;
  const wrap = (connection: ControlPlaneDatabase) => {
    const sqlite = connection.sqlite!;
    return asyncStore(new SqliteTermsStore(sqlite, now), sqliteTransactions(sqlite).write);
  };
  return { db, clock, terms: wrap(db), another: async () => wrap(await db.another()) };
});

describeTermsStoreContract('SQLite (SQL seam)', onSeam(openSqliteControlPlane));

await describeWithPostgres('TermsStore on PostgreSQL', () => {
  describeTermsStoreContract('PostgreSQL', onSeam(openPgControlPlane));
});
