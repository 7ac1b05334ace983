import { describeSecurityReportStoreContract } from '../testing/securityReportStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteSecurityReportStore } from './SecurityReports.ts';
import { SqlSecurityReportStore } from './SqlSecurityReportStore.ts';

await describeOnEveryBackend('SecurityReportStore', describeSecurityReportStoreContract, {
  sqlite: (db, now) => new SqliteSecurityReportStore(db, now),
  sql: (db, now) => new SqlSecurityReportStore(db, now),
});
