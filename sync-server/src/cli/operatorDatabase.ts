import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { SqlAuditStore } from '../audit/SqlAuditStore.ts';
import type { Config } from '../config/config.ts';
import { openSqlite } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { SqlUserStore } from '../identity/SqlUserStore.ts';
import { SqliteUserStore } from '../identity/UserStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { SqliteSqlDatabase } from '../store/sql/SqliteSqlDatabase.ts';
import { sqliteSyncSeam } from '../store/sql/SqliteSyncSeam.ts';
import type { OperatorAccountStores } from './createOperator.ts';

/** The stores the CLI's account commands use, on the server's database, and its closing. */
export interface OperatorDatabase extends OperatorAccountStores {
  close(): Promise<void>;
}

/**
 * Opens the server's database as the CLI needs it — the embedded SQLite file or a
 * cluster's PostgreSQL (`DATABASE_URL=postgres://…`) — migrated, so the CLI works before
 * any server has started. The same store classes the server chooses for each backend.
 */
export async function openOperatorDatabase(config: Config): Promise<OperatorDatabase> {
  const now = () => Date.now();
  if (config.postgresUrl) {
    const pool = new PgPool({
      url: config.postgresUrl,
      applicationName: 'desk-operator-cli',
      max: 2,
    });
    try {
      await migratePg(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const sql = new PgSqlDatabase(pool);
    return {
      users: new SqlUserStore(sql, now),
      audit: new SqlAuditStore(sql, now),
      transactions: { write: (work) => sql.transaction(work) },
      close: () => pool.end(),
    };
  }
  if (!config.sqlitePath) throw new Error('DATABASE_URL names no database this CLI can open.');
  const db = openSqlite(config.sqlitePath);
  migrate(db, migrations);
  const seam = sqliteSyncSeam(new SqliteSqlDatabase(db));
  return {
    users: seam.wrap(new SqliteUserStore(db, now)),
    audit: seam.wrap(new SqliteAuditStore(db, now)),
    transactions: seam.transactions,
    close: async () => {
      db.close();
    },
  };
}
