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
export function openSqlite(file: string): SqliteDatabase {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable in WAL mode against process crashes (kill -9); FULL adds power-loss
  // durability per commit at a large cost. We pick FULL: acknowledged updates are a promise.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
