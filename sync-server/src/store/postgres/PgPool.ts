import pg from 'pg';
import { DatabaseUnavailableError } from '../DatabaseUnavailableError.ts';

export { DatabaseUnavailableError };

/**
 * The pooled PostgreSQL connection of one server process (`DATABASE_URL=postgres://…`).
 * Stores take a `PgPool`, never a client: a query borrows a connection for one statement,
 * and `inTransaction` borrows one for a whole transaction, so no store can leave a
 * connection in the middle of a transaction for the next borrower.
 */
export interface PgPoolOptions {
  /** postgres://user@host:port/database */
  readonly url: string;
  /**
   * Connections the pool opens at most. @default 10. Each is a PostgreSQL backend
   * process; several server processes share the server's `max_connections` (100 by default).
   */
  readonly max?: number;
  /** Shown in pg_stat_activity, to tell the processes of a cluster apart. */
  readonly applicationName?: string;
}

/** PostgreSQL error codes a transaction is retried on: nothing of it was committed. */
const retryableCodes = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** Attempts of one transaction before its error reaches the caller. */
const maxTransactionAttempts = 5;

/** SQLSTATEs and socket errors that mean the server is gone, not that a statement failed. */
const connectionCodes = new Set([
  '57P01', // admin_shutdown (a restart, or pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && connectionCodes.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
      message,
    )
  );
}

/** The error is seen by the statement that meets the dead connection; see `#checkOut`. */
function ignoreCheckedOutError(): void {}

export type PgQueryable = Pick<pg.PoolClient, 'query'>;

export class PgPool {
  readonly #pool: pg.Pool;
  readonly #max: number;

  constructor(options: PgPoolOptions) {
    this.#max = options.max ?? 10;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: this.#max,
      application_name: options.applicationName ?? 'desk-sync-server',
    });
    // An idle connection that dies (server restart, network) is dropped and replaced by
    // the pool on next use; without a listener the 'error' event would crash the process.
    this.#pool.on('error', () => undefined);
  }

  /**
   * One statement on any free connection — its own transaction, run again on a deadlock or
   * serialization failure (nothing of it was committed). With `againOnLostConnection`, a
   * statement whose pooled connection was found dead (the server restarted, or ended it) is
   * run again on the next one, up to the pool's size plus one — after a restart every idle
   * connection is dead, and the pool learns so only as each one's error arrives: only for
   * statements whose effect may be had twice — a read, or an append of Yjs updates (logged
   * twice if the first had committed, which Yjs ignores as it ignores a client's resend).
   * A connection that cannot be opened at all refuses at once.
   */
  async query<Row extends pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
    options: { readonly againOnLostConnection?: boolean } = {},
  ): Promise<pg.QueryResult<Row>> {
    let lostConnections = 0;
    for (let attempt = 1; ; attempt++) {
      const client = await this.#checkOut();
      let broken = false;
      try {
        return await client.query<Row>(text, values as unknown[] | undefined);
      } catch (error) {
        if (isConnectionFailure(error)) {
          broken = true; // the pool must not hand this connection out again
          if (options.againOnLostConnection && lostConnections++ < this.#max) continue;
          throw new DatabaseUnavailableError(error);
        }
        const code = (error as { code?: unknown }).code;
        if (attempt >= maxTransactionAttempts || typeof code !== 'string') throw error;
        if (!retryableCodes.has(code)) throw error;
      } finally {
        this.#checkIn(client, broken);
      }
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled
   * back when it throws. A deadlock or serialization failure (nothing committed) runs it
   * again, so `work` must do nothing but database statements; so does a pooled connection
   * found dead at BEGIN (the server restarted since it was opened). A connection lost once
   * `work` has begun rejects with `DatabaseUnavailableError`.
   */
  async inTransaction<T>(work: (client: PgQueryable) => Promise<T>): Promise<T> {
    let lostConnections = 0;
    for (let attempt = 1; ; attempt++) {
      const client = await this.#checkOut();
      let broken = false;
      let begun = false;
      try {
        await client.query('BEGIN');
        begun = true;
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (isConnectionFailure(error)) {
          broken = true;
          if (begun || lostConnections++ >= this.#max) throw new DatabaseUnavailableError(error);
          attempt--; // a dead pooled connection is not an attempt of the transaction
          continue;
        }
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (error as { code?: unknown }).code;
        if (attempt >= maxTransactionAttempts || typeof code !== 'string') throw error;
        if (!retryableCodes.has(code)) throw error;
      } finally {
        this.#checkIn(client, broken);
      }
    }
  }

  /**
   * A connection for this process alone until `#checkIn`. pg-pool listens for a connection's
   * 'error' only while it is idle in the pool: a checked-out one whose server process ends
   * between two statements (a restart, pg_terminate_backend) emits 'error' with no listener,
   * which would crash the whole process. The listener added here keeps it an ordinary failure:
   * the next statement on it rejects ("not queryable") and the connection is not pooled again.
   */
  async #checkOut(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw isConnectionFailure(error) ? new DatabaseUnavailableError(error) : error;
    }
    client.on('error', ignoreCheckedOutError);
    return client;
  }

  #checkIn(client: pg.PoolClient, broken: boolean): void {
    // Ours off before release: release may hand the connection straight to the next
    // borrower, whose own listener must stay. pg-pool's idle listener goes back on inside
    // release, in the same synchronous step, so no 'error' can arrive unheard in between.
    client.removeListener('error', ignoreCheckedOutError);
    client.release(broken);
  }

  /** Closes every connection; pending queries finish first. */
  end(): Promise<void> {
    return this.#pool.end();
  }
}

/** A bigint column (log ids, sequences) as a number: they stay far below 2^53. */
export function toNumber(value: string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}
