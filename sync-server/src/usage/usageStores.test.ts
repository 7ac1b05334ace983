import { openPgControlPlane } from '../testing/controlPlaneDatabases.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeUsageStoreContract } from '../testing/usageStoreContract.ts';
import { SqlUsageStore } from './SqlUsageStore.ts';
import { SqliteUsageStore } from './UsageStore.ts';

await describeOnEveryBackend('UsageStore', describeUsageStoreContract, {
  sqlite: (db) => new SqliteUsageStore(db),
  sql: (db) => new SqlUsageStore(db),
});

// Under an ICU collation `;` sorts before `:`, so SQLite's id range `<ws>:ticket:` up to
// `<ws>:ticket;` would hold no id at all: the store must not depend on the C collation.
await describeWithPostgres('UsageStore on PostgreSQL, ICU collation', () => {
  describeUsageStoreContract('PostgreSQL (ICU en-US collation)', async () => {
    const db = await openPgControlPlane({ icuLocale: 'en-US' });
    const clock = { now: 1_000_000 };
    return {
      db,
      clock,
      store: new SqlUsageStore(db.sql),
      another: async () => new SqlUsageStore((await db.another()).sql),
    };
  });
});
