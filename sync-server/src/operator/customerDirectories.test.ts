import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { SqlAuditStore } from '../audit/SqlAuditStore.ts';
import { SqlSubscriptionStore } from '../billing/SqlSubscriptionStore.ts';
import { SqliteSubscriptionStore } from '../billing/SubscriptionStore.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { describeCustomerDirectoryContract } from '../testing/customerDirectoryContract.ts';
import { describeOnEveryBackendAs } from '../testing/storeBackends.ts';
import { SqliteSeatLedger } from '../workspaces/SeatLedger.ts';
import { SqlSeatLedger } from '../workspaces/SqlSeatLedger.ts';
import { SqliteCustomerDirectory } from './CustomerDirectory.ts';
import { SqlCustomerDirectory } from './SqlCustomerDirectory.ts';

await describeOnEveryBackendAs('CustomerDirectory', describeCustomerDirectoryContract, {
  wrapped: (db, now) =>
    asyncStore(
      new SqliteCustomerDirectory(db, now, {
        subscriptions: new SqliteSubscriptionStore(db, now, new SqliteAuditStore(db, now)),
        seats: new SqliteSeatLedger(db, now),
      }),
    ),
  sql: (db, now) =>
    new SqlCustomerDirectory(db, now, {
      subscriptions: new SqlSubscriptionStore(db, now, new SqlAuditStore(db, now)),
      seats: new SqlSeatLedger(db, now),
    }),
});
