import { describeMailOutboxContract } from '../testing/mailOutboxContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteMailOutbox } from './MailOutbox.ts';
import { SqlMailOutbox } from './SqlMailOutbox.ts';

await describeOnEveryBackend('MailOutbox', describeMailOutboxContract, {
  sqlite: (db, now) => new SqliteMailOutbox(db, now),
  sql: (db, now) => new SqlMailOutbox(db, now),
});
