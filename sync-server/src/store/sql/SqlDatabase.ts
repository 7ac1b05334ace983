/**
 * The async SQL seam the control-plane stores are written against once, for both engines
 * (issue 19): the embedded SQLite (better-sqlite3) and PostgreSQL (`pg`, pooled). A store's
 * SQL is the subset both dialects agree on — `?` placeholders, `ON CONFLICT`, `RETURNING`,
 * integer columns read as numbers, BLOB/bytea read as a Buffer — and where they differ the
 * store asks the `dialect` instead of writing engine-specific SQL of its own.
 *
 * The document hot path is not behind this seam: PgDocStore and SqliteDocStore keep their
 * own tuned statements.
 */

/** What a statement's `?` placeholders may be bound to. Booleans are stored as 0/1 integers. */
export type SqlValue = string | number | bigint | null | Uint8Array;

export type SqlParams = readonly SqlValue[];

/** Where the two engines' SQL differs; everything else is written once. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Appended to a `SELECT` that a transaction reads before it writes on what it read (count
   * the seats, then add a member). PostgreSQL: ` FOR UPDATE` — the row is locked until the
   * commit, so a second transaction doing the same waits and then reads the new count.
   * SQLite: nothing — its write transactions begin IMMEDIATE, so one writer at a time
   * already holds the whole database.
   */
  readonly forUpdate: string;
  /** The error a UNIQUE constraint (or unique index) raises. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * An expression reading the text at `key` of a JSON object stored as text in `column`
   * (the audit log's details): SQLite's `json_extract`, PostgreSQL's `->>` on a jsonb cast.
   * `key` is written into the SQL: a constant of the store's, never user input.
   */
  jsonText(column: string, key: string): string;
  /**
   * A statement taking a lock named by its one parameter until the transaction ends, or
   * null where a write transaction already excludes every other writer (SQLite: IMMEDIATE).
   * For what has no row to lock yet — the failures counted under a throttle key, where two
   * processes counting at once would both see room. PostgreSQL: a transaction-level
   * advisory lock on the name's hash (a collision only makes two names wait for each other).
   */
  readonly namedLock: string | null;
}

export interface SqlRunResult {
  /** Rows inserted, updated or deleted. */
  readonly changes: number;
}

export interface SqlDatabase {
  readonly dialect: SqlDialect;
  /** The first row, or undefined. */
  get<Row extends object>(sql: string, params?: SqlParams): Promise<Row | undefined>;
  all<Row extends object>(sql: string, params?: SqlParams): Promise<Row[]>;
  run(sql: string, params?: SqlParams): Promise<SqlRunResult>;
  /**
   * Runs `work` in one write transaction: committed when it resolves, rolled back when it
   * throws. The transaction is ambient — every statement `work` runs through this database,
   * directly or through other stores built on it, joins it, and a `transaction` inside
   * joins the outer one — so stores compose the way the synchronous ones do inside
   * `Transactions.write`. PostgreSQL runs `work` again on a deadlock or serialization
   * failure (nothing was committed), so `work` must do nothing but database statements and
   * leave its effects (events, mail) to after the commit.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

/** The rows a transaction may be asked to wait for: see `SqlDialect.forUpdate`. */
export function selectForUpdate(db: SqlDatabase, sql: string): string {
  return `${sql}${db.dialect.forUpdate}`;
}
