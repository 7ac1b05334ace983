import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeTicketNumberCounterContract } from '../testing/ticketNumberCounterContract.ts';
import { SqlTicketNumberCounter } from './SqlTicketNumberCounter.ts';
import { SqliteTicketNumberCounter } from './TicketNumberCounter.ts';

await describeOnEveryBackend('TicketNumberCounter', describeTicketNumberCounterContract, {
  sqlite: (db) => new SqliteTicketNumberCounter(db),
  sql: (db) => new SqlTicketNumberCounter(db),
});
