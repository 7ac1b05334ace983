import type { PgPool } from './PgPool.ts';
import { pgMigrations } from './pgMigrations.ts';

/** The PostgreSQL schema version this build expects (`/readyz` compares with it). */
export const latestPgSchemaVersion = Math.max(0, ...pgMigrations.map((m) => m.version));

/**
 * The highest PostgreSQL migration applied, for `/readyz`: one short read, run again on a
 * fresh connection if its pooled one was dead. Rejects with `DatabaseUnavailableError` while
 * the server cannot be reached, which `/readyz` answers as not ready.
 */
export async function pgSchemaVersion(pool: PgPool): Promise<number> {
  const { rows } = await pool.query<{ v: number | null }>(
    'SELECT MAX(version) AS v FROM schema_migrations',
    [],
    { againOnLostConnection: true },
  );
  return rows[0]?.v ?? 0;
}
