import type { AsyncTransactions } from '../../db/Transactions.ts';
import { asyncStore, type AsyncStore } from './asyncStore.ts';
import type { SqliteSqlDatabase } from './SqliteSqlDatabase.ts';

/**
 * The synchronous SQLite stores behind their async interfaces, while the server's callers
 * move onto them (issue 19): what createServices hands out on SQLite until each store has
 * its `Sql…` class. One seam per connection (`sql`), shared by every wrapped store and the
 * transactions, so they see each other's transaction.
 */
export interface SqliteSyncSeam {
  /**
   * `store` behind its async interface. A call runs at once — the hot paths (a session
   * validated per request and upgrade) cost what they did — except while another caller's
   * `transactions.write` holds the connection: then it waits for the commit instead of
   * landing inside a transaction it does not belong to.
   */
  wrap<T extends object>(store: T): AsyncStore<T>;
  /**
   * One IMMEDIATE transaction around async store calls (`SqliteSqlDatabase.transaction`).
   * The wrapped stores answer at once, so the transaction stays open only while promises
   * settle, never across I/O: the synchronous transaction of before, awaited. `work` that
   * awaits anything else (argon2, mail, the network) would hold the database's write lock
   * meanwhile and let other requests' synchronous writes (the sync engine's appends) join
   * it, so it is refused: rolled back with an error naming the rule.
   */
  readonly transactions: AsyncTransactions;
}

export function sqliteSyncSeam(sql: SqliteSqlDatabase): SqliteSyncSeam {
  return {
    wrap: (store) => asyncStore(store, (work) => sql.exclusive(work)),
    transactions: { write: (work) => sql.transaction(() => withoutIo(work)) },
  };
}

export class TransactionAwaitedIoError extends Error {
  constructor() {
    super(
      'A SQLite transaction stayed open across I/O: do hashing, mail and network calls outside transactions.write',
    );
  }
}

/**
 * Runs `work`, failing it if an event-loop turn passed before it settled: a `setImmediate`
 * fires only once the current turn's promises have all settled, so it runs before the
 * work's end exactly when the work waited for I/O or a timer.
 */
async function withoutIo<T>(work: () => Promise<T>): Promise<T> {
  let turnPassed = false;
  const probe = setImmediate(() => {
    turnPassed = true;
  });
  try {
    const result = await work();
    if (turnPassed) throw new TransactionAwaitedIoError();
    return result;
  } finally {
    clearImmediate(probe);
  }
}
