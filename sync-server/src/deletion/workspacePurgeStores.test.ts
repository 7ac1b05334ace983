import { describeWorkspacePurgeStoreContract } from '../testing/workspacePurgeStoreContract.ts';
import { describeOnEveryBackendAs } from '../testing/storeBackends.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { SqlWorkspacePurgeStore } from './SqlWorkspacePurgeStore.ts';
import { SqliteWorkspacePurgeStore } from './WorkspacePurgeStore.ts';

// Wrapped without a transaction around each call, as the server's seam wraps it: each method
// is its own transaction, and secure_delete and the checkpoint cannot run inside one.
await describeOnEveryBackendAs('WorkspacePurgeStore', describeWorkspacePurgeStoreContract, {
  wrapped: (db) => asyncStore(new SqliteWorkspacePurgeStore(db)),
  sql: (db) => new SqlWorkspacePurgeStore(db),
});
