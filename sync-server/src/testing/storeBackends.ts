import { afterEach } from 'vitest';
import type { SqliteDatabase } from '../db/Database.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { asyncStore, type AsyncStore } from '../store/sql/asyncStore.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from './controlPlaneDatabases.ts';
import { describeWithPostgres } from './scaleOutParts.ts';

/** One process's store on a fresh database, the test's clock, and another process's store. */
export interface StoreFixture<S> {
  readonly db: ControlPlaneDatabase;
  readonly store: S;
  readonly clock: { now: number };
  /** Another process's store: its own connection to the same database. */
  readonly another: () => Promise<S>;
}

export type StoreContract<S> = (engine: string, open: () => Promise<StoreFixture<S>>) => void;

/**
 * Runs a store's contract three times, as every control-plane store's is (issue 19): the
 * synchronous SQLite store wrapped by `asyncStore` (each call an IMMEDIATE transaction), the
 * `Sql…` store on SQLite through the seam, and the same on a PostgreSQL database of the
 * test's own (skipped without TEST_POSTGRES_URL; a failure under CI).
 */
export async function describeOnEveryBackend<T extends object>(
  name: string,
  contract: StoreContract<AsyncStore<T>>,
  make: {
    readonly sqlite: (db: SqliteDatabase, now: () => number) => T;
    readonly sql: (db: SqlDatabase, now: () => number) => AsyncStore<T>;
  },
  start = 1_000_000,
): Promise<void> {
  await describeOnEveryBackendAs(
    name,
    contract,
    {
      wrapped: (sqlite, now) =>
        asyncStore(make.sqlite(sqlite, now), sqliteTransactions(sqlite).write),
      sql: make.sql,
    },
    start,
  );
}

/**
 * The same for a contract over several stores (`S` holds them): `wrapped` builds them
 * from the synchronous SQLite stores, wrapped; `sql` on the seam.
 */
export async function describeOnEveryBackendAs<S>(
  name: string,
  contract: StoreContract<S>,
  make: {
    readonly wrapped: (db: SqliteDatabase, now: () => number) => S;
    readonly sql: (db: SqlDatabase, now: () => number) => S;
  },
  start = 1_000_000,
): Promise<void> {
  const fixture =
    (
      open: () => Promise<ControlPlaneDatabase>,
      storeOn: (db: ControlPlaneDatabase, now: () => number) => S,
    ) =>
    async (): Promise<StoreFixture<S>> => {
      const db = await open();
      const clock = { now: start };
      const now = () => clock.now;
      return {
        db,
        clock,
        store: storeOn(db, now),
        another: async () => storeOn(await db.another(), now),
      };
    };
  const wrapped = (db: ControlPlaneDatabase, now: () => number) => make.wrapped(db.sqlite!, now);
  const onSeam = (db: ControlPlaneDatabase, now: () => number) => make.sql(db.sql, now);

  contract('SQLite (wrapped)', fixture(openSqliteControlPlane, wrapped));
  contract('SQLite (SQL seam)', fixture(openSqliteControlPlane, onSeam));
  await describeWithPostgres(`${name} on PostgreSQL`, () => {
    contract('PostgreSQL', fixture(openPgControlPlane, onSeam));
  });
}

/**
 * `open` for one contract's tests: every fixture it opens is closed (its database removed)
 * after the test. Call inside the contract's `describe`.
 */
export function closedAfterEach<F extends { readonly db: ControlPlaneDatabase }>(
  open: () => Promise<F>,
): () => Promise<F> {
  const opened: F[] = [];
  afterEach(async () => {
    for (const fixture of opened.splice(0)) await fixture.db.close();
  });
  return async () => {
    const fixture = await open();
    opened.push(fixture);
    return fixture;
  };
}
