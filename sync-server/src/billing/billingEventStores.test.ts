import { describeBillingEventStoreContract } from '../testing/billingEventStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteBillingEventStore } from './BillingEventStore.ts';
import { SqlBillingEventStore } from './SqlBillingEventStore.ts';

await describeOnEveryBackend('BillingEventStore', describeBillingEventStoreContract, {
  sqlite: (db) => new SqliteBillingEventStore(db),
  sql: (db) => new SqlBillingEventStore(db),
});
