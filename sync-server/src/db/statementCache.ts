import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './Database.ts';

const caches = new WeakMap<SqliteDatabase, Map<string, BetterSqlite3.Statement>>();

/**
 * A prepared statement, compiled once per database and reused. For queries on hot paths
 * (every request and every WebSocket upgrade validates a session or token): compiling the
 * SQL each time showed up in the upgrade profile.
 */
export function cachedStatement<P extends unknown[] = unknown[], R = unknown>(
  db: SqliteDatabase,
  sql: string,
): BetterSqlite3.Statement<P, R> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement as unknown as BetterSqlite3.Statement<P, R>;
}
