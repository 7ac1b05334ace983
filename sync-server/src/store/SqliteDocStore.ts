import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import {
  DocStoreError,
  assertPrivateDocs,
  DocClosedError,
  DocStoreErrorCode,
  isPrivateDoc,
  WorkspaceClosedError,
  type AppendResult,
  type ChangedDocRow,
  type ClosedDoc,
  type DocStore,
  type NewUpdate,
  type StoredCountRow,
  type StoredDoc,
} from './DocStore.ts';

/** Bytes per stored chunk of a merged state: the most one slice reads or writes. */
export const defaultStateChunkBytes = 256 * 1024;

/** Reads of one load that may each be undone by a compaction before it falls back to one. */
const maxSlicedLoadAttempts = 8;

export interface SqliteDocStoreOptions {
  /** Bytes per chunk of a merged state (`defaultStateChunkBytes`); tests make it small. */
  readonly chunkBytes?: number;
}

interface DocHead {
  readonly last_seq: number;
  readonly updates_stored: number;
  readonly log_bytes: number;
  /** Null when the doc was never compacted (then bytes and chunks are null too). */
  readonly version: number | null;
  readonly bytes: number | null;
  readonly chunks: number | null;
  /** The last log row the state holds (null when never compacted): later rows are its log. */
  readonly through_log_id: number | null;
}

interface LogRow {
  readonly id: number;
  readonly data: Buffer;
}

type LogSlice =
  | { readonly kind: 'gone' }
  | { readonly kind: 'replaced' }
  | {
      readonly kind: 'rows';
      readonly rows: LogRow[];
      readonly done: boolean;
      readonly lastSeq: number;
      readonly updatesStored: number;
    };

/** The read of a sliced load was undone by a compaction committed meanwhile. */
const readAgain = Symbol('readAgain');

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The embedded DocStore: tables `docs`, `doc_updates`, `workspace_seq` (migration 0003),
 * `doc_states` and `doc_state_chunks` (0009, 0013) in the server's SQLite database (WAL).
 * Statements are prepared once; every synchronous method is one short transaction.
 *
 * What an append writes is independent of the document's size: its log row, the
 * workspace's sequence row and the doc's small `docs` row. The merged state lives in
 * `doc_state_chunks`, which only compaction writes: a row holding it would be rewritten
 * whole, overflow pages included, on every append (issue 13).
 *
 * A merged state is stored as chunks of `chunkBytes` under a version; `doc_states` names the
 * current version. That is what lets `loadInSlices` and `compactInSlices` touch one chunk
 * per event-loop turn (issue 13 #2): a new version is written beside the current one and
 * made current by one short transaction, so a reader that sees the version unchanged at its
 * end has read one consistent state, and a crash mid-way leaves the old version current.
 * Chunks of any other version (an unfinished or a replaced one) are never read, and are
 * deleted by the doc's next compaction.
 */
export class SqliteDocStore implements DocStore {
  readonly #now: () => number;
  readonly #chunkBytes: number;
  readonly #selectGeneration: Statement<[], { value: string }>;
  readonly #selectHead: Statement<[string], DocHead>;
  readonly #selectChunks: Statement<[string, number], Buffer>;
  readonly #selectChunk: Statement<[string, number, number], Buffer>;
  readonly #selectLogAfter: Statement<[string, number], LogRow>;
  readonly #selectVersion: Statement<[string], number>;
  readonly #selectMaxChunkVersion: Statement<[string], number | null>;
  readonly #countChunks: Statement<[string, number], number>;
  readonly #insertChunk: Statement<[string, number, number, Uint8Array]>;
  readonly #deleteChunksExcept: Statement<[string, number]>;
  readonly #deleteOneChunkExcept: Statement<[string, number]>;
  readonly #bumpSeq: Statement<[string, number], { seq: number }>;
  readonly #insertLog: Statement<[string, Uint8Array]>;
  readonly #upsertDoc: Statement<
    [string, string, number, number, number, number, number],
    { updates_stored: number }
  >;
  readonly #selectStoredCount: Statement<[string, string], number>;
  readonly #setState: Statement<[string, number, number, number, number]>;
  readonly #setLogTotals: Statement<[number, number, string]>;
  readonly #deleteLogBefore: Statement<[string, number]>;
  readonly #logTotals: Statement<[string, number], { n: number; bytes: number }>;
  readonly #selectFoldedRows: Statement<[string, number], { id: number; bytes: number }>;
  readonly #selectChanged: Statement<[string, number], { doc_id: string; last_seq: number }>;
  readonly #selectChangedFirst: Statement<
    [string, number, number],
    { doc_id: string; last_seq: number }
  >;
  readonly #selectSeq: Statement<[string], { seq: number }>;
  readonly #selectTicketCount: Statement<[string], { tickets: number }>;
  readonly #loadTx: (docId: string) => StoredDoc | null;
  readonly #logSliceTx: (docId: string, version: number, afterId: number) => LogSlice;
  readonly #appendAll: (updates: readonly NewUpdate[]) => AppendResult[];
  readonly #compactTx: (docId: string, state: Uint8Array, throughLogId: number) => void;
  readonly #beginSlicedTx: (
    docId: string,
    firstChunk: Uint8Array,
  ) => { base: number; next: number };
  readonly #switchTx: (
    docId: string,
    switched: { base: number; next: number; bytes: number; chunks: number },
    throughLogId: number,
  ) => boolean;
  readonly #deleteOneLeftoverTx: (docId: string) => boolean;
  readonly #deleteWorkspaceTx: (workspaceId: string) => void;
  readonly #deleteDocsTx: (docIds: readonly string[]) => number;
  readonly #selectClosed: Statement<[string], { one: number }>;
  readonly #closeWorkspace: Statement<[string, number]>;
  readonly #selectClosedDoc: Statement<[string], { one: number }>;
  readonly #closeDocsTx: (docs: readonly ClosedDoc[]) => void;
  /** Sliced compactions by doc, chained so that one doc's run one after another. */
  readonly #compactions = new Map<string, Promise<void>>();

  constructor(
    db: SqliteDatabase,
    now: () => number = Date.now,
    options: SqliteDocStoreOptions = {},
  ) {
    this.#now = now;
    this.#chunkBytes = options.chunkBytes ?? defaultStateChunkBytes;
    this.#selectGeneration = db.prepare("SELECT value FROM meta WHERE key = 'store_generation'");
    this.#selectHead = db.prepare(
      `SELECT d.last_seq, d.updates_stored, d.log_bytes, s.version, s.bytes, s.chunks, s.through_log_id
       FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
       WHERE d.doc_id = ?`,
    );
    this.#selectChunks = db
      .prepare('SELECT data FROM doc_state_chunks WHERE doc_id = ? AND version = ? ORDER BY idx')
      .pluck() as Statement<[string, number], Buffer>;
    this.#selectChunk = db
      .prepare('SELECT data FROM doc_state_chunks WHERE doc_id = ? AND version = ? AND idx = ?')
      .pluck() as Statement<[string, number, number], Buffer>;
    this.#selectLogAfter = db.prepare(
      'SELECT id, data FROM doc_updates WHERE doc_id = ? AND id > ? ORDER BY id',
    );
    this.#selectVersion = db
      .prepare('SELECT version FROM doc_states WHERE doc_id = ?')
      .pluck() as Statement<[string], number>;
    this.#selectMaxChunkVersion = db
      .prepare('SELECT MAX(version) FROM doc_state_chunks WHERE doc_id = ?')
      .pluck() as Statement<[string], number | null>;
    this.#countChunks = db
      .prepare('SELECT COUNT(*) FROM doc_state_chunks WHERE doc_id = ? AND version = ?')
      .pluck() as Statement<[string, number], number>;
    this.#insertChunk = db.prepare(
      'INSERT INTO doc_state_chunks (doc_id, version, idx, data) VALUES (?, ?, ?, ?)',
    );
    this.#deleteChunksExcept = db.prepare(
      'DELETE FROM doc_state_chunks WHERE doc_id = ? AND version != ?',
    );
    this.#deleteOneChunkExcept = db.prepare(
      `DELETE FROM doc_state_chunks WHERE rowid IN
         (SELECT rowid FROM doc_state_chunks WHERE doc_id = ? AND version != ? LIMIT 1)`,
    );
    this.#bumpSeq = db.prepare(
      `INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET seq = seq + excluded.seq
       RETURNING seq`,
    );
    this.#insertLog = db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)');
    this.#upsertDoc = db.prepare(
      `INSERT INTO docs
         (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at, updates_stored)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (doc_id) DO UPDATE SET
         last_seq = excluded.last_seq,
         log_count = log_count + excluded.log_count,
         log_bytes = log_bytes + excluded.log_bytes,
         updated_at = excluded.updated_at,
         updates_stored = updates_stored + excluded.updates_stored
       RETURNING updates_stored`,
    );
    this.#setState = db.prepare(
      `INSERT INTO doc_states (doc_id, version, bytes, chunks, through_log_id)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (doc_id) DO UPDATE SET
         version = excluded.version, bytes = excluded.bytes, chunks = excluded.chunks,
         through_log_id = excluded.through_log_id`,
    );
    this.#setLogTotals = db.prepare(
      'UPDATE docs SET log_count = ?, log_bytes = ? WHERE doc_id = ?',
    );
    this.#deleteLogBefore = db.prepare('DELETE FROM doc_updates WHERE doc_id = ? AND id < ?');
    this.#logTotals = db.prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM doc_updates
       WHERE doc_id = ? AND id > ?`,
    );
    this.#selectFoldedRows = db.prepare(
      'SELECT id, LENGTH(data) AS bytes FROM doc_updates WHERE doc_id = ? AND id < ? ORDER BY id',
    );
    this.#selectChanged = db.prepare(
      'SELECT doc_id, last_seq FROM docs WHERE workspace_id = ? AND last_seq > ? ORDER BY last_seq',
    );
    this.#selectChangedFirst = db.prepare(
      'SELECT doc_id, last_seq FROM docs WHERE workspace_id = ? AND last_seq > ? ORDER BY last_seq LIMIT ?',
    );
    this.#selectStoredCount = db
      .prepare('SELECT updates_stored FROM docs WHERE doc_id = ? AND workspace_id = ?')
      .pluck() as Statement<[string, string], number>;
    this.#selectSeq = db.prepare('SELECT seq FROM workspace_seq WHERE workspace_id = ?');
    this.#selectTicketCount = db.prepare(
      'SELECT tickets FROM workspace_ticket_counts WHERE workspace_id = ?',
    );

    // One read transaction so a concurrent compaction cannot be seen half-done.
    this.#loadTx = db.transaction((docId: string): StoredDoc | null => {
      const head = this.#selectHead.get(docId);
      if (!head) return null;
      const state = head.version === null ? null : this.#readState(docId, head);
      const log: Uint8Array[] = [];
      let lastLogId = 0;
      let storedBytes = state?.byteLength ?? 0;
      for (const row of this.#selectLogAfter.iterate(docId, head.through_log_id ?? 0)) {
        log.push(row.data);
        lastLogId = row.id;
        storedBytes += row.data.byteLength;
      }
      return {
        state,
        log,
        lastLogId,
        storedBytes,
        lastSeq: head.last_seq,
        updatesStored: head.updates_stored,
      };
    });
    // Log rows after `afterId`, about one chunk's worth, if the state is still `version`.
    this.#logSliceTx = db.transaction((docId: string, version: number, afterId: number) => {
      const head = this.#selectHead.get(docId);
      if (!head) return { kind: 'gone' } as const;
      if ((head.version ?? 0) !== version) return { kind: 'replaced' } as const;
      const rows: LogRow[] = [];
      let bytes = 0;
      let done = true;
      for (const row of this.#selectLogAfter.iterate(docId, afterId)) {
        rows.push(row);
        bytes += row.data.byteLength;
        if (bytes >= this.#chunkBytes) {
          done = false;
          break;
        }
      }
      return {
        kind: 'rows',
        rows,
        done,
        lastSeq: head.last_seq,
        // Read with the slice's rows: the last slice (done) has read the log to its end.
        updatesStored: head.updates_stored,
      } as const;
    });
    // Every update gets its own log row and workspace sequence number (in order), but the
    // workspace's sequence is bumped once per workspace and each doc's row written once per
    // batch (with its last seq and the batch's count and bytes): a batch of many updates
    // (a flood, a busy doc's turn) writes one row per update instead of three, and the
    // triggers on docs fire once per doc (issue 13: the statements were a quarter of the
    // write path's CPU in the flood).
    this.#selectClosed = db.prepare(
      'SELECT 1 AS one FROM closed_workspaces WHERE workspace_id = ?',
    );
    this.#closeWorkspace = db.prepare(
      'INSERT INTO closed_workspaces (workspace_id, closed_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.#selectClosedDoc = db.prepare('SELECT 1 AS one FROM closed_docs WHERE doc_id = ?');
    const closeDoc = db.prepare(
      'INSERT INTO closed_docs (doc_id, closed_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.#closeDocsTx = db.transaction((docs: readonly ClosedDoc[]) => {
      const at = this.#now();
      for (const { docId } of docs) closeDoc.run(docId, at);
    });
    this.#appendAll = db.transaction((updates: readonly NewUpdate[]) => {
      const at = this.#now();
      const perWorkspace = new Map<string, number>();
      for (const { workspaceId } of updates) {
        perWorkspace.set(workspaceId, (perWorkspace.get(workspaceId) ?? 0) + 1);
      }
      // A purge begun (closeWorkspace): one lookup per workspace of the batch, in the
      // write transaction, so no write lands between the check and the purge's listing.
      const closed = [...perWorkspace.keys()].filter((id) => this.#selectClosed.get(id));
      if (closed.length > 0) throw new WorkspaceClosedError(closed.sort());
      // A deleted account's private docs (closeDocs): looked up only for private docs, so
      // a batch of tickets and indexes reads nothing more.
      const privateDocs = new Set(updates.map((u) => u.docId).filter(isPrivateDoc));
      const closedDocs = [...privateDocs].filter((id) => this.#selectClosedDoc.get(id));
      if (closedDocs.length > 0) throw new DocClosedError(closedDocs.sort());
      /** The next seq to hand out per workspace. */
      const nextSeq = new Map<string, number>();
      for (const [workspaceId, count] of perWorkspace) {
        const { seq } = this.#bumpSeq.get(workspaceId, count)!;
        nextSeq.set(workspaceId, seq - count + 1);
      }
      const docs = new Map<
        string,
        { workspaceId: string; seq: number; n: number; bytes: number; at: number[] }
      >();
      const results: { seq: number; logId: number; stored: number }[] = [];
      for (const { docId, workspaceId, update } of updates) {
        const seq = nextSeq.get(workspaceId)!;
        nextSeq.set(workspaceId, seq + 1);
        const logId = Number(this.#insertLog.run(docId, update).lastInsertRowid);
        const doc = docs.get(docId);
        if (doc) {
          doc.seq = seq;
          doc.n++;
          doc.bytes += update.byteLength;
          doc.at.push(results.length);
        } else {
          docs.set(docId, {
            workspaceId,
            seq,
            n: 1,
            bytes: update.byteLength,
            at: [results.length],
          });
        }
        results.push({ seq, logId, stored: 0 });
      }
      for (const [docId, { workspaceId, seq, n, bytes, at: indexes }] of docs) {
        const { updates_stored: total } = this.#upsertDoc.get(
          docId,
          workspaceId,
          seq,
          n,
          bytes,
          at,
          n,
        )!;
        // The doc's updates of this batch are the last n it has stored, in batch order.
        indexes.forEach((index, k) => (results[index]!.stored = total - n + 1 + k));
      }
      return results;
    });
    this.#compactTx = db.transaction((docId: string, state: Uint8Array, throughLogId: number) => {
      const next = this.#nextVersion(docId);
      const chunks = this.#chunkCount(state);
      for (let idx = 0; idx < chunks; idx++) {
        this.#insertChunk.run(docId, next, idx, this.#chunk(state, idx));
      }
      const through = this.#replaceState(
        docId,
        { next, bytes: state.byteLength, chunks },
        throughLogId,
      );
      this.#deleteLogBefore.run(docId, through);
      this.#deleteChunksExcept.run(docId, next);
    });
    this.#beginSlicedTx = db.transaction((docId: string, firstChunk: Uint8Array) => {
      const base = this.#selectVersion.get(docId) ?? 0;
      // Above every version with chunks, finished or not: an unfinished one's leftovers
      // never mix with this one's.
      const next = this.#nextVersion(docId);
      this.#insertChunk.run(docId, next, 0, firstChunk);
      return { base, next };
    });
    this.#switchTx = db.transaction(
      (
        docId: string,
        switched: { base: number; next: number; bytes: number; chunks: number },
        throughLogId: number,
      ) => {
        // Another compaction committed since this one began (its state replaces ours), or
        // removed our chunks: ours is dropped.
        if ((this.#selectVersion.get(docId) ?? 0) !== switched.base) return false;
        if (this.#countChunks.get(docId, switched.next) !== switched.chunks) return false;
        this.#replaceState(docId, switched, throughLogId);
        return true;
      },
    );
    // One chunk no longer current, or else log rows the state holds, about a chunk's worth.
    this.#deleteOneLeftoverTx = db.transaction((docId: string) => {
      const head = this.#selectHead.get(docId);
      if (!head) return false;
      if (this.#deleteOneChunkExcept.run(docId, head.version ?? 0).changes > 0) return true;
      let last = 0;
      let bytes = 0;
      for (const row of this.#selectFoldedRows.iterate(docId, head.through_log_id ?? 0)) {
        last = row.id;
        bytes += row.bytes;
        if (bytes >= this.#chunkBytes) break;
      }
      return last > 0 && this.#deleteLogBefore.run(docId, last + 1).changes > 0;
    });
    const deleteDocs = db.prepare('DELETE FROM docs WHERE workspace_id = ?');
    const deleteStates = db.prepare(
      'DELETE FROM doc_states WHERE doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)',
    );
    const deleteChunks = db.prepare(
      'DELETE FROM doc_state_chunks WHERE doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)',
    );
    const deleteLog = db.prepare(
      'DELETE FROM doc_updates WHERE doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)',
    );
    const deleteSeq = db.prepare('DELETE FROM workspace_seq WHERE workspace_id = ?');
    this.#deleteWorkspaceTx = db.transaction((workspaceId: string) => {
      deleteLog.run(workspaceId);
      deleteChunks.run(workspaceId);
      deleteStates.run(workspaceId);
      deleteDocs.run(workspaceId);
      deleteSeq.run(workspaceId);
    });
    const deleteDocLog = db.prepare('DELETE FROM doc_updates WHERE doc_id = ?');
    const deleteDocChunks = db.prepare('DELETE FROM doc_state_chunks WHERE doc_id = ?');
    const deleteDocState = db.prepare('DELETE FROM doc_states WHERE doc_id = ?');
    const deleteDoc = db.prepare('DELETE FROM docs WHERE doc_id = ?');
    this.#deleteDocsTx = db.transaction((docIds: readonly string[]) => {
      let existed = 0;
      for (const docId of docIds) {
        deleteDocLog.run(docId);
        deleteDocChunks.run(docId);
        deleteDocState.run(docId);
        existed += deleteDoc.run(docId).changes;
      }
      return existed;
    });
  }

  generation(): string {
    return this.#selectGeneration.get()?.value ?? '';
  }

  load(docId: string): StoredDoc | null {
    return this.#loadTx(docId);
  }

  async loadInSlices(docId: string): Promise<StoredDoc | null> {
    for (let attempt = 0; attempt < maxSlicedLoadAttempts; attempt++) {
      const head = this.#selectHead.get(docId);
      if (!head) return null;
      // Small: one short transaction, in this turn.
      if ((head.bytes ?? 0) + head.log_bytes <= this.#chunkBytes) return this.load(docId);
      const stored = await this.#readInSlices(docId, head);
      if (stored !== readAgain) return stored;
    }
    // Compactions kept landing while it read (each needs the log to grow by half the
    // state, so this does not happen): read it in one go.
    return this.load(docId);
  }

  append(updates: readonly NewUpdate[]): AppendResult[] {
    if (updates.length === 0) return [];
    return this.#appendAll(updates);
  }

  compact(docId: string, state: Uint8Array, throughLogId: number): void {
    this.#compactTx(docId, state, throughLogId);
  }

  compactInSlices(docId: string, state: Uint8Array, throughLogId: number): Promise<void> {
    const previous = this.#compactions.get(docId);
    const run = (previous ?? Promise.resolve())
      .catch(() => undefined) // the earlier one's caller has its failure
      .then(() => this.#compactSliced(docId, state, throughLogId));
    this.#compactions.set(docId, run);
    const forget = () => {
      if (this.#compactions.get(docId) === run) this.#compactions.delete(docId);
    };
    run.then(forget, forget);
    return run;
  }

  storedCounts(workspaceId: string, docIds: readonly string[]): StoredCountRow[] {
    const rows: StoredCountRow[] = [];
    for (const docId of docIds) {
      const updatesStored = this.#selectStoredCount.get(docId, workspaceId);
      if (updatesStored !== undefined) rows.push({ docId, updatesStored });
    }
    return rows;
  }

  changedSince(workspaceId: string, sinceSeq: number, limit?: number): ChangedDocRow[] {
    const rows =
      limit === undefined
        ? this.#selectChanged.all(workspaceId, sinceSeq)
        : this.#selectChangedFirst.all(workspaceId, sinceSeq, limit);
    return rows.map((row) => ({ docId: row.doc_id, seq: row.last_seq }));
  }

  workspaceSeq(workspaceId: string): number {
    return this.#selectSeq.get(workspaceId)?.seq ?? 0;
  }

  ticketCount(workspaceId: string): number {
    return this.#selectTicketCount.get(workspaceId)?.tickets ?? 0;
  }

  deleteWorkspace(workspaceId: string): void {
    this.#deleteWorkspaceTx(workspaceId);
  }

  deleteDocs(docIds: readonly string[]): number {
    return this.#deleteDocsTx(docIds);
  }

  closeWorkspace(workspaceId: string): void {
    // One statement, one writer: every append before it committed, every one after sees it.
    this.#closeWorkspace.run(workspaceId, this.#now());
  }

  closeDocs(docs: readonly ClosedDoc[]): void {
    assertPrivateDocs(docs);
    // One transaction, one writer: as closeWorkspace.
    this.#closeDocsTx(docs);
  }

  /**
   * One read of a sliced load: the state's chunks one per turn, then the log about a chunk
   * per turn, each log slice in a transaction that first checks the state is still the
   * version whose chunks were read. The last slice reads to the end of the log, so the
   * result holds every update stored before it. `readAgain` when a compaction committed.
   */
  async #readInSlices(docId: string, head: DocHead): Promise<StoredDoc | null | typeof readAgain> {
    const version = head.version ?? 0;
    let state: Buffer | null = null;
    if (head.version !== null) {
      state = Buffer.allocUnsafe(head.bytes!);
      let offset = 0;
      for (let idx = 0; idx < head.chunks!; idx++) {
        await nextTurn();
        const chunk = this.#selectChunk.get(docId, version, idx);
        // Deleted: a compaction replaced this version meanwhile.
        if (chunk === undefined) return readAgain;
        if (offset + chunk.byteLength > state.byteLength) {
          throw new DocStoreError(DocStoreErrorCode.stateIncomplete, docId);
        }
        offset += chunk.copy(state, offset);
      }
      if (offset !== state.byteLength) {
        throw new DocStoreError(DocStoreErrorCode.stateIncomplete, docId);
      }
    }
    const log: Uint8Array[] = [];
    let lastLogId = 0;
    let storedBytes = state?.byteLength ?? 0;
    // Rows up to the state's through_log_id are in it (and may not be deleted yet); it
    // moves only with the version, which each slice checks.
    let after = head.through_log_id ?? 0;
    for (;;) {
      await nextTurn();
      const slice = this.#logSliceTx(docId, version, after);
      if (slice.kind === 'gone') return null;
      if (slice.kind === 'replaced') return readAgain;
      for (const row of slice.rows) {
        log.push(row.data);
        lastLogId = after = row.id;
        storedBytes += row.data.byteLength;
      }
      if (slice.done) {
        const { lastSeq, updatesStored } = slice;
        return { state, log, lastLogId, storedBytes, lastSeq, updatesStored };
      }
    }
  }

  /**
   * A sliced compaction: the first chunk with the new version's number, the others one per
   * turn, the switch in one short transaction, then the chunks no longer current (the
   * replaced version, leftovers of an unfinished one) deleted one per turn.
   */
  async #compactSliced(docId: string, state: Uint8Array, throughLogId: number): Promise<void> {
    const chunks = this.#chunkCount(state);
    const { base, next } = this.#beginSlicedTx(docId, this.#chunk(state, 0));
    for (let idx = 1; idx < chunks; idx++) {
      await nextTurn();
      this.#insertChunk.run(docId, next, idx, this.#chunk(state, idx));
    }
    await nextTurn();
    const switched = this.#switchTx(
      docId,
      { base, next, bytes: state.byteLength, chunks },
      throughLogId,
    );
    await this.#deleteLeftovers(docId);
    if (!switched) throw new DocStoreError(DocStoreErrorCode.compactionSuperseded, docId);
  }

  async #deleteLeftovers(docId: string): Promise<void> {
    for (;;) {
      await nextTurn();
      if (!this.#deleteOneLeftoverTx(docId)) return;
    }
  }

  #readState(docId: string, head: DocHead): Buffer {
    const chunks = this.#selectChunks.all(docId, head.version!);
    if (chunks.length !== head.chunks) {
      throw new DocStoreError(DocStoreErrorCode.stateIncomplete, docId);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, head.bytes!);
  }

  /**
   * Makes `next` the doc's state, holding the log through `throughLogId` (in a
   * transaction), and returns the through_log_id recorded. The rows it holds are no longer
   * read; deleting them is the caller's, except the row at through_log_id itself, which
   * stays until the next compaction: SQLite gives a new row the table's largest id + 1, so
   * while it is there, no row appended later can get an id the state claims to hold.
   */
  #replaceState(
    docId: string,
    state: { next: number; bytes: number; chunks: number },
    throughLogId: number,
  ): number {
    // Never backwards: the new state holds everything the old one did.
    const through = Math.max(throughLogId, this.#selectHead.get(docId)?.through_log_id ?? 0);
    const left = this.#logTotals.get(docId, through)!;
    this.#setState.run(docId, state.next, state.bytes, state.chunks, through);
    this.#setLogTotals.run(left.n, left.bytes, docId);
    return through;
  }

  #nextVersion(docId: string): number {
    const current = this.#selectVersion.get(docId) ?? 0;
    const written = this.#selectMaxChunkVersion.get(docId) ?? 0;
    return Math.max(current, written) + 1;
  }

  #chunkCount(state: Uint8Array): number {
    return Math.max(1, Math.ceil(state.byteLength / this.#chunkBytes));
  }

  #chunk(state: Uint8Array, idx: number): Uint8Array {
    const start = idx * this.#chunkBytes;
    return state.subarray(start, start + this.#chunkBytes);
  }
}
