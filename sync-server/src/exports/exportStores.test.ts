import { describeExportStoreContract } from '../testing/exportStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteExportStore } from './ExportStore.ts';
import { SqlExportStore } from './SqlExportStore.ts';

await describeOnEveryBackend('ExportStore', describeExportStoreContract, {
  sqlite: (db) => new SqliteExportStore(db),
  sql: (db) => new SqlExportStore(db),
});
