import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { describeAsyncDocStoreContract } from '../testing/asyncDocStoreContract.ts';
import { asyncDocStore } from './AsyncDocStore.ts';
import { SqliteDocStore } from './SqliteDocStore.ts';

/** The embedded store behind the async interface passes the same contract as PostgreSQL. */
describeAsyncDocStoreContract('SQLite (wrapped)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-async-store-'));
  const file = path.join(dir, 'desk.sqlite');
  const db = openSqlite(file);
  migrate(db, migrations);
  const connections: SqliteDatabase[] = [db];
  const walFrames = () => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? 0;
  return {
    store: asyncDocStore(new SqliteDocStore(db)),
    another: async () => {
      const second = openSqlite(file);
      connections.push(second);
      return asyncDocStore(new SqliteDocStore(second));
    },
    written: async (action) => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      await action();
      return walFrames();
    },
    writeSlack: 2,
    close: async () => {
      for (const connection of connections) connection.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
