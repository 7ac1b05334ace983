import type { SqliteDatabase } from './Database.ts';

/**
 * One write transaction around calls to several stores (sign-up writes a user, a customer,
 * a workspace, a membership and a terms acceptance: all or nothing). Synchronous, as
 * tldraw's storage transactions are: nothing may await inside, so no other request's
 * writes interleave.
 */
export interface Transactions {
  /** Runs `work` in one immediate write transaction; a throw rolls every write back. */
  write<T>(work: () => T): T;
}

export function sqliteTransactions(db: SqliteDatabase): Transactions {
  return { write: (work) => db.transaction(work).immediate() };
}
