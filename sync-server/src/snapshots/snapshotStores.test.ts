import { describeSnapshotStoresContract } from '../testing/snapshotStoresContract.ts';
import { describeOnEveryBackendAs } from '../testing/storeBackends.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { SqliteRestoreRecordStore } from './RestoreRecordStore.ts';
import { SqliteSnapshotStore } from './SnapshotStore.ts';
import { SqlRestoreRecordStore } from './SqlRestoreRecordStore.ts';
import { SqlSnapshotStore } from './SqlSnapshotStore.ts';

await describeOnEveryBackendAs('SnapshotStore', describeSnapshotStoresContract, {
  wrapped: (db) => ({
    snapshots: asyncStore(new SqliteSnapshotStore(db), sqliteTransactions(db).write),
    restores: asyncStore(new SqliteRestoreRecordStore(db), sqliteTransactions(db).write),
  }),
  sql: (db) => ({ snapshots: new SqlSnapshotStore(db), restores: new SqlRestoreRecordStore(db) }),
});
