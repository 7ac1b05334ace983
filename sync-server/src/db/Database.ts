import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

/**
 * Open (creating if needed) the embedded SQLite database with the settings every part
 * of the server relies on: WAL so readers never block the writer and a commit is durable
 * once it returns, foreign keys enforced, and a busy timeout so a backup or CLI command
 * holding the file briefly does not fail a request.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

export function openSqlite(
  file: string,
  synchronous: SqliteSynchronous = 'NORMAL',
): SqliteDatabase {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL is durable against process crashes (kill -9: a commit is in the WAL
  // once it returns; the kill -9 tests prove it) and skips the fsync per commit, which costs
  // ~8 ms median here and would dominate sync latency. Only an OS crash or power loss can
  // drop the last commits, and replicas push those back on reconnect (DESIGN §4.2). FULL
  // (SQLITE_SYNCHRONOUS=FULL) fsyncs every commit for operators who want that too.
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
