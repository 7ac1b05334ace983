import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { SqliteSqlDatabase } from '../store/sql/SqliteSqlDatabase.ts';
import { createTestDatabase } from './scaleOutParts.ts';

/**
 * A fresh, migrated control-plane database for one test of a store contract, on either
 * engine, and further connections to it (another process's).
 */
export interface ControlPlaneDatabase {
  /** The SQL seam on this connection: seeding, and the stores written on it. */
  readonly sql: SqlDatabase;
  /** SQLite only: the synchronous connection the Sqlite* stores take (wrapped). */
  readonly sqlite: SqliteDatabase | null;
  /** Another connection to the same database. */
  readonly another: () => Promise<ControlPlaneDatabase>;
  /** Closes every connection opened through this one and removes the database. */
  readonly close: () => Promise<void>;
}

export async function openSqliteControlPlane(): Promise<ControlPlaneDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-control-plane-'));
  const file = path.join(dir, 'desk.sqlite');
  const connections: SqliteDatabase[] = [];
  const connect = (): ControlPlaneDatabase => {
    const sqlite = openSqlite(file);
    if (connections.length === 0) migrate(sqlite, migrations);
    connections.push(sqlite);
    return { sql: new SqliteSqlDatabase(sqlite), sqlite, another, close };
  };
  const another = async () => connect();
  const close = async () => {
    for (const connection of connections.splice(0)) connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return connect();
}

/**
 * Needs TEST_POSTGRES_URL (use inside `describeWithPostgres`): a database of its own, with
 * the server's default collation or `icuLocale`'s.
 */
export async function openPgControlPlane(
  options: { readonly icuLocale?: string } = {},
): Promise<ControlPlaneDatabase> {
  const database = await createTestDatabase(options);
  const pools: PgPool[] = [];
  const connect = async (): Promise<ControlPlaneDatabase> => {
    const pool = new PgPool({ url: database.url, max: 4 });
    pools.push(pool);
    // Every process migrates at start; the later ones find nothing to do.
    await migratePg(pool);
    return { sql: new PgSqlDatabase(pool), sqlite: null, another: connect, close };
  };
  const close = async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await database.drop();
  };
  return connect();
}
