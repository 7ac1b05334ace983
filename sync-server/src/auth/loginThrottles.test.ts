import { describeLoginThrottleContract } from '../testing/loginThrottleContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteLoginThrottle } from './LoginThrottle.ts';
import { SqlLoginThrottle } from './SqlLoginThrottle.ts';

await describeOnEveryBackend('LoginThrottle', describeLoginThrottleContract, {
  sqlite: (db, now) => new SqliteLoginThrottle(db, now),
  sql: (db, now) => new SqlLoginThrottle(db, now),
});
