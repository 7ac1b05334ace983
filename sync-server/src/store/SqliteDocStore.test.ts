import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { describeDocStoreContract } from './docStoreContract.ts';
import { SqliteDocStore } from './SqliteDocStore.ts';

describeDocStoreContract('SQLite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-store-'));
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  return {
    store: new SqliteDocStore(db),
    written: (action) => walFramesWrittenBy(db, action),
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

/**
 * Pages `action` writes, counted as the frames it adds to the WAL: the WAL is emptied
 * first (TRUNCATE checkpoint; nothing else uses this connection's file), and a passive
 * checkpoint then reports the frames in it without waiting for anything.
 */
function walFramesWrittenBy(db: SqliteDatabase, action: () => void): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  action();
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return result!.log;
}
