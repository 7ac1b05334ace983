import { describeKnownDevicesContract } from '../testing/knownDevicesContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteKnownDevices } from './KnownDevices.ts';
import { SqlKnownDevices } from './SqlKnownDevices.ts';

await describeOnEveryBackend('KnownDevices', describeKnownDevicesContract, {
  sqlite: (db, now) => new SqliteKnownDevices(db, now),
  sql: (db, now) => new SqlKnownDevices(db, now),
});
