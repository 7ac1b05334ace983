import { describePendingSignupStoreContract } from '../testing/pendingSignupStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqlitePendingSignupStore } from './PendingSignups.ts';
import { SqlPendingSignupStore } from './SqlPendingSignupStore.ts';

await describeOnEveryBackend('PendingSignupStore', describePendingSignupStoreContract, {
  sqlite: (db, now) => new SqlitePendingSignupStore(db, now),
  sql: (db, now) => new SqlPendingSignupStore(db, now),
});
