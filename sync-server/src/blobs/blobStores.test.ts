import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { describeBlobStoresContract } from '../testing/blobStoresContract.ts';
import { describeOnEveryBackendAs } from '../testing/storeBackends.ts';
import { SqlBlobCatalog } from './SqlBlobCatalog.ts';
import { SqlBlobQuota } from './SqlBlobQuota.ts';
import { SqliteBlobCatalog } from './BlobCatalog.ts';
import { SqliteBlobQuota } from './SqliteBlobQuota.ts';

await describeOnEveryBackendAs('BlobQuota and BlobCatalog', describeBlobStoresContract, {
  wrapped: (db, now) => {
    const write = sqliteTransactions(db).write;
    return {
      // Not in a transaction of the wrapper's: the quota takes its own (reserve: IMMEDIATE),
      // and a failed commit's release must outlive the commit's rollback.
      quota: asyncStore(new SqliteBlobQuota(db, now)),
      catalog: asyncStore(new SqliteBlobCatalog(db), write),
    };
  },
  sql: (db, now) => ({ quota: new SqlBlobQuota(db, now), catalog: new SqlBlobCatalog(db) }),
});
