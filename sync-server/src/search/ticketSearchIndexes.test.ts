import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeTicketSearchIndexContract } from '../testing/ticketSearchIndexContract.ts';
import { SqliteTicketSearchIndex } from './SqliteTicketSearchIndex.ts';
import { SqlTicketSearchIndex } from './SqlTicketSearchIndex.ts';

await describeOnEveryBackend('TicketSearchIndex', describeTicketSearchIndexContract, {
  sqlite: (db) => new SqliteTicketSearchIndex(db),
  sql: (db) => new SqlTicketSearchIndex(db),
});
