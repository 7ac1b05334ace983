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

/**
 * One write transaction around calls to several async stores (`AsyncStore<…>`, issue 19):
 * what `Transactions` is once PostgreSQL may be behind the stores. Every store call `work`
 * awaits joins the transaction (the seam's transaction is ambient), a `write` inside joins
 * the outer one, a throw rolls every write back.
 *
 * `work` does database calls only. Hash passwords, send mail and emit access events before
 * or after it: on SQLite the transaction holds the one connection, and on PostgreSQL `work`
 * may run again after a deadlock or serialization failure.
 */
export interface AsyncTransactions {
  write<T>(work: () => Promise<T>): Promise<T>;
}
