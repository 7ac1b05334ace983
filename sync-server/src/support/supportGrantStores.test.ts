import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeSupportGrantStoreContract } from '../testing/supportGrantStoreContract.ts';
import { SqlSupportGrantStore } from './SqlSupportGrantStore.ts';
import { SqliteSupportGrantStore } from './SupportGrantStore.ts';

await describeOnEveryBackend('SupportGrantStore', describeSupportGrantStoreContract, {
  sqlite: (db, now) => new SqliteSupportGrantStore(db, now),
  sql: (db, now) => new SqlSupportGrantStore(db, now),
});
