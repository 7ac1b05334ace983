import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeWorkspaceDeletionStoreContract } from '../testing/workspaceDeletionStoreContract.ts';
import { SqlWorkspaceDeletionStore } from './SqlWorkspaceDeletionStore.ts';
import { SqliteWorkspaceDeletionStore } from './WorkspaceDeletionStore.ts';

await describeOnEveryBackend('WorkspaceDeletionStore', describeWorkspaceDeletionStoreContract, {
  sqlite: (db, now) => new SqliteWorkspaceDeletionStore(db, now),
  sql: (db, now) => new SqlWorkspaceDeletionStore(db, now),
});
