/**
 * The database cannot be reached (restarting, down, the network): the write was not stored
 * — or, when the connection was lost during COMMIT, may have been — and the caller must not
 * acknowledge it. Typed, so the server can answer "not ready" (`/readyz`) and refuse with
 * `database_unavailable` (503) instead of a 500. Its own module: the HTTP layer maps it
 * without loading the PostgreSQL driver.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  constructor(override readonly cause: unknown) {
    super(`The database is unavailable: ${(cause as Error | undefined)?.message ?? cause}`);
    this.name = 'DatabaseUnavailableError';
  }
}
