import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AppendResult, ChangedDocRow, DocStore, NewUpdate, StoredDoc } from './DocStore.ts';

/**
 * The embedded DocStore: tables `docs`, `doc_updates`, `workspace_seq` (migration 0003) and
 * `doc_states` (0009) in the server's SQLite database (WAL). Statements are prepared once;
 * every method is one short synchronous transaction.
 *
 * What an append writes is independent of the document's size: its log row, the
 * workspace's sequence row and the doc's small `docs` row. The merged state lives in
 * `doc_states`, which only `compact` writes: a row holding it would be rewritten whole,
 * overflow pages included, on every append (issue 13).
 */
export class SqliteDocStore implements DocStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #selectGeneration: Statement<[], { value: string }>;
  readonly #selectDoc: Statement<[string], { state: Buffer | null; last_seq: number }>;
  readonly #selectLog: Statement<[string], { id: number; data: Buffer }>;
  readonly #bumpSeq: Statement<[string], { seq: number }>;
  readonly #insertLog: Statement<[string, Uint8Array]>;
  readonly #upsertDoc: Statement<[string, string, number, number, number]>;
  readonly #setState: Statement<[string, Uint8Array]>;
  readonly #setLogTotals: Statement<[number, number, string]>;
  readonly #deleteLogThrough: Statement<[string, number]>;
  readonly #logTotals: Statement<[string], { n: number; bytes: number }>;
  readonly #selectChanged: Statement<[string, number], { doc_id: string; last_seq: number }>;
  readonly #selectSeq: Statement<[string], { seq: number }>;
  readonly #appendAll: (updates: readonly NewUpdate[]) => AppendResult[];
  readonly #compactTx: (docId: string, state: Uint8Array, throughLogId: number) => void;
  readonly #deleteWorkspaceTx: (workspaceId: string) => void;

  constructor(db: SqliteDatabase, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#selectGeneration = db.prepare("SELECT value FROM meta WHERE key = 'store_generation'");
    this.#selectDoc = db.prepare(
      `SELECT s.state, d.last_seq FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
       WHERE d.doc_id = ?`,
    );
    this.#selectLog = db.prepare('SELECT id, data FROM doc_updates WHERE doc_id = ? ORDER BY id');
    this.#bumpSeq = db.prepare(
      `INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, 1)
       ON CONFLICT (workspace_id) DO UPDATE SET seq = seq + 1
       RETURNING seq`,
    );
    this.#insertLog = db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)');
    this.#upsertDoc = db.prepare(
      `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
       VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (doc_id) DO UPDATE SET
         last_seq = excluded.last_seq,
         log_count = log_count + 1,
         log_bytes = log_bytes + excluded.log_bytes,
         updated_at = excluded.updated_at`,
    );
    this.#setState = db.prepare(
      `INSERT INTO doc_states (doc_id, state) VALUES (?, ?)
       ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state`,
    );
    this.#setLogTotals = db.prepare(
      'UPDATE docs SET log_count = ?, log_bytes = ? WHERE doc_id = ?',
    );
    this.#deleteLogThrough = db.prepare('DELETE FROM doc_updates WHERE doc_id = ? AND id <= ?');
    this.#logTotals = db.prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM doc_updates WHERE doc_id = ?',
    );
    this.#selectChanged = db.prepare(
      'SELECT doc_id, last_seq FROM docs WHERE workspace_id = ? AND last_seq > ? ORDER BY last_seq',
    );
    this.#selectSeq = db.prepare('SELECT seq FROM workspace_seq WHERE workspace_id = ?');

    this.#appendAll = db.transaction((updates: readonly NewUpdate[]) => {
      const results: AppendResult[] = [];
      const at = this.#now();
      for (const { docId, workspaceId, update } of updates) {
        const { seq } = this.#bumpSeq.get(workspaceId)!;
        const logId = Number(this.#insertLog.run(docId, update).lastInsertRowid);
        this.#upsertDoc.run(docId, workspaceId, seq, update.byteLength, at);
        results.push({ seq, logId });
      }
      return results;
    });
    this.#compactTx = db.transaction((docId: string, state: Uint8Array, throughLogId: number) => {
      this.#deleteLogThrough.run(docId, throughLogId);
      const left = this.#logTotals.get(docId)!;
      this.#setState.run(docId, state);
      this.#setLogTotals.run(left.n, left.bytes, docId);
    });
    const deleteDocs = db.prepare('DELETE FROM docs WHERE workspace_id = ?');
    const deleteStates = db.prepare(
      'DELETE FROM doc_states WHERE doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)',
    );
    const deleteLog = db.prepare(
      'DELETE FROM doc_updates WHERE doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)',
    );
    const deleteSeq = db.prepare('DELETE FROM workspace_seq WHERE workspace_id = ?');
    this.#deleteWorkspaceTx = db.transaction((workspaceId: string) => {
      deleteLog.run(workspaceId);
      deleteStates.run(workspaceId);
      deleteDocs.run(workspaceId);
      deleteSeq.run(workspaceId);
    });
  }

  generation(): string {
    return this.#selectGeneration.get()?.value ?? '';
  }

  load(docId: string): StoredDoc | null {
    // One read transaction so a concurrent compaction cannot be seen half-done.
    return this.#db.transaction(() => {
      const doc = this.#selectDoc.get(docId);
      if (!doc) return null;
      const log: Uint8Array[] = [];
      let lastLogId = 0;
      let storedBytes = doc.state?.byteLength ?? 0;
      for (const row of this.#selectLog.iterate(docId)) {
        log.push(row.data);
        lastLogId = row.id;
        storedBytes += row.data.byteLength;
      }
      return { state: doc.state, log, lastLogId, storedBytes, lastSeq: doc.last_seq };
    })();
  }

  append(updates: readonly NewUpdate[]): AppendResult[] {
    if (updates.length === 0) return [];
    return this.#appendAll(updates);
  }

  compact(docId: string, state: Uint8Array, throughLogId: number): void {
    this.#compactTx(docId, state, throughLogId);
  }

  changedSince(workspaceId: string, sinceSeq: number): ChangedDocRow[] {
    return this.#selectChanged
      .all(workspaceId, sinceSeq)
      .map((row) => ({ docId: row.doc_id, seq: row.last_seq }));
  }

  workspaceSeq(workspaceId: string): number {
    return this.#selectSeq.get(workspaceId)?.seq ?? 0;
  }

  deleteWorkspace(workspaceId: string): void {
    this.#deleteWorkspaceTx(workspaceId);
  }
}
