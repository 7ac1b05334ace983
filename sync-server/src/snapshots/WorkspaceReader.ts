import BetterSqlite3 from 'better-sqlite3';
import type { ChangedDocRow } from '../store/DocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';

/**
 * A frozen view of one workspace's documents, for a snapshot capture that runs in slices:
 * every read sees the database as it was when the reader opened, whatever the sync engine
 * writes meanwhile — so all documents are captured at the same change sequence.
 */
export interface WorkspaceReader {
  /** The workspace change sequence of this view. */
  readonly seq: number;
  readonly generation: string;
  /** Every document of the workspace with its last change sequence. */
  readonly docs: readonly ChangedDocRow[];
  /**
   * The document as stored: its merged state and the updates logged since, to merge into
   * one update (empty when it was never written).
   */
  load(docId: string): Uint8Array[];
  close(): void;
}

export type OpenWorkspaceReader = (workspaceId: string) => WorkspaceReader;

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
