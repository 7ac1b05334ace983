import { describePasswordResetStoreContract } from '../testing/passwordResetStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqlitePasswordResetStore } from './PasswordResets.ts';
import { SqlPasswordResetStore } from './SqlPasswordResetStore.ts';

await describeOnEveryBackend('PasswordResetStore', describePasswordResetStoreContract, {
  sqlite: (db, now) => new SqlitePasswordResetStore(db, now),
  sql: (db, now) => new SqlPasswordResetStore(db, now),
});
