import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { PgPool, PgQueryable } from '../postgres/PgPool.ts';
import { toPgPlaceholders } from './placeholders.ts';
import type { SqlDatabase, SqlDialect, SqlParams, SqlRunResult } from './SqlDatabase.ts';

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  forUpdate: ' FOR UPDATE',
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  namedLock: 'SELECT pg_advisory_xact_lock(hashtextextended(CAST(? AS text), 0))',
};

/** int8 (COUNT(*), bigint columns) and numeric (SUM of bigints) come back from `pg` as text. */
const numericTypeIds = new Set([20, 1700]);

/**
 * Rows as SQLite's driver gives them: bigint and numeric columns as numbers (every one the
 * control plane stores — times in ms, counts, ids — is far below 2^53), bytea as a Buffer.
 */
function rowsOf<Row extends object>(result: pg.QueryResult): Row[] {
  const numeric = result.fields.filter((f) => numericTypeIds.has(f.dataTypeID)).map((f) => f.name);
  if (numeric.length === 0) return result.rows as Row[];
  for (const row of result.rows as Record<string, unknown>[]) {
    for (const name of numeric) {
      const value = row[name];
      if (typeof value === 'string') row[name] = Number(value);
    }
  }
  return result.rows as Row[];
}

/**
 * The seam over a PgPool (store/postgres/PgPool.ts). A statement outside a transaction
 * runs on any pooled connection; `transaction` borrows one connection for its whole work
 * (PgPool.inTransaction: retried on deadlock and serialization failure, a lost server a
 * `DatabaseUnavailableError`), and every statement of that work runs on it.
 */
export class PgSqlDatabase implements SqlDatabase {
  readonly dialect = postgresDialect;
  readonly #pool: PgPool;
  readonly #client = new AsyncLocalStorage<PgQueryable>();

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  async get<Row extends object>(sql: string, params: SqlParams = []): Promise<Row | undefined> {
    return (await this.#query<Row>(sql, params))[0];
  }

  all<Row extends object>(sql: string, params: SqlParams = []): Promise<Row[]> {
    return this.#query<Row>(sql, params);
  }

  async run(sql: string, params: SqlParams = []): Promise<SqlRunResult> {
    const client = this.#client.getStore();
    const text = toPgPlaceholders(sql);
    const result = client
      ? await client.query(text, params as unknown[])
      : await this.#pool.query(text, params);
    return { changes: result.rowCount ?? 0 };
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#client.getStore()) return work();
    return this.#pool.inTransaction((client) => this.#client.run(client, work));
  }

  async #query<Row extends object>(sql: string, params: SqlParams): Promise<Row[]> {
    const client = this.#client.getStore();
    const text = toPgPlaceholders(sql);
    const result = client
      ? await client.query(text, params as unknown[])
      : await this.#pool.query(text, params);
    return rowsOf<Row>(result);
  }
}
