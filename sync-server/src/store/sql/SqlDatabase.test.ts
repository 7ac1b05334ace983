import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../db/Database.ts';
import { createTestDatabase, describeWithPostgres } from '../../testing/scaleOutParts.ts';
import { describeSqlDatabaseContract } from '../../testing/sqlDatabaseContract.ts';
import { PgPool } from '../postgres/PgPool.ts';
import { PgSqlDatabase } from './PgSqlDatabase.ts';
import { SqliteSqlDatabase } from './SqliteSqlDatabase.ts';

describeSqlDatabaseContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-sql-seam-'));
  const file = path.join(dir, 'seam.sqlite');
  const connections: SqliteDatabase[] = [openSqlite(file)];
  return {
    db: new SqliteSqlDatabase(connections[0]!),
    another: async () => {
      const connection = openSqlite(file);
      connections.push(connection);
      return new SqliteSqlDatabase(connection);
    },
    close: async () => {
      for (const connection of connections) connection.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

await describeWithPostgres('SqlDatabase on PostgreSQL', () => {
  describeSqlDatabaseContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    const pools = [new PgPool({ url: database.url, max: 4 })];
    return {
      db: new PgSqlDatabase(pools[0]!),
      another: async () => {
        const pool = new PgPool({ url: database.url, max: 4 });
        pools.push(pool);
        return new PgSqlDatabase(pool);
      },
      close: async () => {
        await Promise.all(pools.map((p) => p.end()));
        await database.drop();
      },
    };
  });
});
