import { describeModerationStoreContract } from '../testing/moderationStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteModerationStore } from './ModerationStore.ts';
import { SqlModerationStore } from './SqlModerationStore.ts';

await describeOnEveryBackend('ModerationStore', describeModerationStoreContract, {
  sqlite: (db, now) => new SqliteModerationStore(db, now),
  sql: (db, now) => new SqlModerationStore(db, now),
});
