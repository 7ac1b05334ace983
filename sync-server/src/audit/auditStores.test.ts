import { SqlUserStore } from '../identity/SqlUserStore.ts';
import { SqliteUserStore } from '../identity/UserStore.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { describeAuditStoreContract } from '../testing/auditStoreContract.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { SqliteAuditStore } from './AuditStore.ts';
import { SqlAuditStore } from './SqlAuditStore.ts';

function onSeam(open: () => Promise<ControlPlaneDatabase>) {
  return async () => {
    const db = await open();
    const clock = { now: 1_700_000_000_000 };
    const now = () => clock.now;
    return {
      db,
      clock,
      users: new SqlUserStore(db.sql, now),
      audit: new SqlAuditStore(db.sql, now),
    };
  };
}

describeAuditStoreContract('SQLite (wrapped)', async () => {
  const db = await openSqliteControlPlane();
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  return {
    db,
    clock,
    users: asyncStore(new SqliteUserStore(db.sqlite!, now)),
    audit: asyncStore(new SqliteAuditStore(db.sqlite!, now)),
  };
});

describeAuditStoreContract('SQLite (SQL seam)', onSeam(openSqliteControlPlane));

await describeWithPostgres('AuditStore on PostgreSQL', () => {
  describeAuditStoreContract('PostgreSQL', onSeam(openPgControlPlane));
});
