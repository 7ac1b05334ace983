import { describeAnnouncementStoreContract } from '../testing/announcementStoreContract.ts';
import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { SqliteAnnouncementStore } from './AnnouncementStore.ts';
import { SqlAnnouncementStore } from './SqlAnnouncementStore.ts';

await describeOnEveryBackend('AnnouncementStore', describeAnnouncementStoreContract, {
  sqlite: (db, now) => new SqliteAnnouncementStore(db, now),
  sql: (db, now) => new SqlAnnouncementStore(db, now),
});
