import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqliteDatabase } from '../../db/Database.ts';
import { cachedStatement } from '../../db/statementCache.ts';
import type { SqlDatabase, SqlDialect, SqlParams, SqlRunResult, SqlValue } from './SqlDatabase.ts';

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  forUpdate: '',
  isUniqueViolation: (error) =>
    (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  namedLock: null,
};

function bind(params: SqlParams): unknown[] {
  // better-sqlite3 binds a Buffer as a BLOB; a plain Uint8Array is refused.
  return params.map((p: SqlValue) =>
    p instanceof Uint8Array && !Buffer.isBuffer(p)
      ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
      : p,
  );
}

/** Whether a transaction is open on a database file, shared by its connections in this process. */
interface Gate {
  /** Resolves when the open transaction ends; null when none is open. */
  open: Promise<void> | null;
}

const gates = new Map<string, Gate>();

function gateOf(db: SqliteDatabase): Gate {
  // An in-memory database is its connection's alone.
  if (db.memory) return { open: null };
  let gate = gates.get(db.name);
  if (!gate) {
    gate = { open: null };
    gates.set(db.name, gate);
  }
  return gate;
}

/**
 * The seam over one better-sqlite3 connection. Its statements run synchronously; what the
 * driver adds is transactions that may await. One connection has one transaction, so a
 * transaction holds the connection until it ends, and statements from outside it (other
 * requests' awaits interleaving) wait for the commit instead of landing inside it.
 *
 * The wait is per database file, not per connection: a second connection of this process
 * to the same file would otherwise block the event loop in SQLite's busy wait for the
 * write lock the first holds across an await — which then could never be released.
 * Other processes wait in their own busy timeout, as with the synchronous stores.
 * A synchronous store writing on the same connection while a transaction is open would
 * join it: a connection used through this seam should be used only through it.
 */
export class SqliteSqlDatabase implements SqlDatabase {
  readonly dialect = sqliteDialect;
  readonly #db: SqliteDatabase;
  /** Set inside this database's transaction. */
  readonly #inTransaction = new AsyncLocalStorage<true>();
  readonly #gate: Gate;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#gate = gateOf(db);
  }

  async get<Row extends object>(sql: string, params: SqlParams = []): Promise<Row | undefined> {
    await this.#turn();
    return cachedStatement(this.#db, sql).get(...bind(params)) as Row | undefined;
  }

  async all<Row extends object>(sql: string, params: SqlParams = []): Promise<Row[]> {
    await this.#turn();
    return cachedStatement(this.#db, sql).all(...bind(params)) as Row[];
  }

  async run(sql: string, params: SqlParams = []): Promise<SqlRunResult> {
    await this.#turn();
    const { changes } = cachedStatement(this.#db, sql).run(...bind(params));
    return { changes };
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inTransaction.getStore()) return work();
    // Checked and taken in one synchronous step: between an awaited check and the taking,
    // another waiter woken by the same commit could take it too.
    while (this.#gate.open) await this.#gate.open;
    let ended!: () => void;
    this.#gate.open = new Promise((resolve) => (ended = resolve));
    try {
      // IMMEDIATE: the write lock is taken now, so another connection (another process)
      // counting seats at the same time waits here instead of failing at its first write.
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await this.#inTransaction.run(true, work);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#gate.open = null;
      ended();
    }
  }

  /**
   * Runs synchronous `work` on the connection (a synchronous store's call) once no other
   * caller's transaction holds it — at once when none does, or inside this caller's own.
   * What keeps a synchronous store's write out of a seam transaction it does not belong to.
   */
  exclusive<R>(work: () => R): R | Promise<R> {
    if (this.#gate.open && !this.#inTransaction.getStore()) return this.#turn().then(work);
    return work();
  }

  /** Waits until no transaction of another caller holds the connection. */
  async #turn(): Promise<void> {
    if (this.#inTransaction.getStore()) return;
    while (this.#gate.open) await this.#gate.open;
  }
}
