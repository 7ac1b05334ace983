import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { openSqlite } from '../db/Database.ts';
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
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
