import BetterSqlite3 from 'better-sqlite3';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import type { OpenWorkspaceReader } from './WorkspaceReader.ts';

/**
 * The SQLite reader: a second, read-only connection holding one read transaction. In WAL
 * mode the writer goes on committing while this connection keeps reading the snapshot of
 * the database it started with; reading goes through the sync engine's own store class,
 * so the table layout stays the store's business.
 */
export function sqliteWorkspaceReader(sqlitePath: string): OpenWorkspaceReader {
  return (workspaceId) => {
    const db = new BetterSqlite3(sqlitePath, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const store = new SqliteDocStore(db);
      db.exec('BEGIN');
      // The first read fixes the view; everything after reads the same database state.
      const seq = store.workspaceSeq(workspaceId);
      const generation = store.generation();
      const docs = store.changedSince(workspaceId, 0);
      return {
        seq,
        generation,
        docs,
        load(docId) {
          const stored = store.load(docId);
          if (!stored) return [];
          return stored.state ? [stored.state, ...stored.log] : stored.log;
        },
        close() {
          if (db.open) {
            if (db.inTransaction) db.exec('COMMIT');
            db.close();
          }
        },
      };
    } catch (err) {
      db.close();
      throw err;
    }
  };
}
