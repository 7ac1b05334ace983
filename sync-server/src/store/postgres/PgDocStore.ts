import type { AsyncDocStore } from '../AsyncDocStore.ts';
import {
  DocStoreError,
  DocStoreErrorCode,
  assertPrivateDocs,
  DocClosedError,
  WorkspaceClosedError,
  type AppendResult,
  type ChangedDocRow,
  type ClosedDoc,
  type LeaseFence,
  type NewUpdate,
  type StoredCountRow,
  type StoredDoc,
} from '../DocStore.ts';
import { checkLeaseFence } from '../leaseFences.ts';
import { DOC_CLOSED_SQLSTATE } from './pgClosedDocsSchema.ts';
import { WORKSPACE_CLOSED_SQLSTATE } from './pgFencesSchema.ts';
import { DatabaseUnavailableError, toNumber, type PgPool, type PgQueryable } from './PgPool.ts';

/** Bytes per chunk of a merged state: about the most one statement of a sliced read moves. */
export const defaultPgStateChunkBytes = 256 * 1024;

export interface PgDocStoreOptions {
  /** Bytes per chunk of a merged state (`defaultPgStateChunkBytes`); tests make it small. */
  readonly chunkBytes?: number;
}

/** A doc's head: its row in `docs` and its current state's row in `doc_states`, if any. */
interface HeadRow {
  readonly last_seq: string;
  /** Updates ever stored for the doc (schema 14): exactly 1..n are in its state and log. */
  readonly updates_stored: string;
  readonly log_bytes: string;
  /** Null when the doc was never compacted (then bytes, chunks and through_log_id are too). */
  readonly generation: string | null;
  readonly bytes: string | null;
  readonly chunks: number | null;
  readonly through_log_id: string | null;
}

interface LoadRow extends HeadRow {
  /** 0: the head; 1: a chunk of the state (`n` its index); 2: a log row (`n` its id). */
  readonly part: number;
  readonly n: string | null;
  readonly data: Buffer | null;
  /** The doc weighs no more than the bound given: its chunks and log rows are in the rows. */
  readonly whole: boolean;
}

const headColumns = `d.last_seq, d.updates_stored, d.log_bytes, s.generation, s.bytes, s.chunks, s.through_log_id`;

/**
 * One statement, so one snapshot: a compaction committing meanwhile is seen whole or not.
 * The head first; then, when the doc's state and log weigh no more than $2 bytes, the
 * state's chunks and the log after it (a heavier doc's are read in slices).
 */
const loadSql = `
  WITH head AS (
    SELECT ${headColumns}, COALESCE(s.bytes, 0) + d.log_bytes <= $2 AS whole
      FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
      WHERE d.doc_id = $1
  )
  SELECT 0 AS part, h.*, NULL::bigint AS n, NULL::bytea AS data FROM head h
  UNION ALL
  SELECT 1, h.*, c.idx, c.data
    FROM head h JOIN doc_state_chunks c ON c.doc_id = $1 AND c.generation = h.generation
    WHERE h.whole
  UNION ALL
  SELECT 2, h.*, u.id, u.data
    FROM head h JOIN doc_updates u ON u.doc_id = $1 AND u.id > COALESCE(h.through_log_id, 0)
    WHERE h.whole
  ORDER BY part, n`;

/** The head alone, inside a sliced read's snapshot. */
const headSql = `
  SELECT ${headColumns} FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
    WHERE d.doc_id = $1`;

/**
 * Log rows after $2, in id order, while the bytes before each row stay under $3: about one
 * slice, at most one row over. `octet_length` of a stored bytea reads its length word only.
 */
const logSliceSql = `
  SELECT id, data FROM (
    SELECT id, data, SUM(octet_length(data)) OVER (ORDER BY id) - octet_length(data) AS before
      FROM (
        SELECT id, data FROM doc_updates WHERE doc_id = $1 AND id > $2 ORDER BY id LIMIT $4
      ) AS next
  ) AS rows
  WHERE before < $3
  ORDER BY id`;

/** Log rows one slice reads at most, however small they are: a slice's statement stays short. */
const logSliceRows = 2000;

/** Reads run again once on a fresh connection when theirs was lost (PgPool.query). */
const again = { againOnLostConnection: true } as const;

/** No bound: `load` reads everything in its one statement. */
const noBound = Number.MAX_SAFE_INTEGER;

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The documents in PostgreSQL (schema `pgMigrations` version 1), for scale-out: every
 * process of a cluster appends to the same tables.
 *
 * The workspace change sequence stays gap-free and in commit order across processes
 * because an append first bumps its workspaces' `workspace_seq` rows (in workspace order,
 * so two batches never deadlock): the row lock is held to commit, so a second appender to
 * the same workspace waits, then numbers after the first — and a reader of `changedSince`
 * can never see sequence n+1 committed while n is still to come. The same lock orders one
 * doc's log ids as its commits, which is what `compact(…, throughLogId)` relies on.
 *
 * An append is one call of the `desk_append` function (one round trip, one transaction)
 * whatever the batch size: batch per event-loop turn.
 *
 * A merged state is stored in chunks of `chunkBytes` (version 13): `loadInSlices` reads a
 * large doc a chunk (or about a chunk of log rows) per statement, and `compact` writes it a
 * chunk per statement, so no event-loop turn builds or parses more than about one chunk —
 * a 20 MB bytea was 40 MB of hex text to build or parse in one turn (issue 13).
 */
export class PgDocStore implements AsyncDocStore {
  readonly #pool: PgPool;
  readonly #now: () => number;
  readonly #chunkBytes: number;

  constructor(pool: PgPool, now: () => number = Date.now, options: PgDocStoreOptions = {}) {
    this.#pool = pool;
    this.#now = now;
    this.#chunkBytes = options.chunkBytes ?? defaultPgStateChunkBytes;
  }

  async generation(): Promise<string> {
    const { rows } = await this.#pool.query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'store_generation'",
      [],
      again,
    );
    return rows[0]?.value ?? '';
  }

  /** The doc in one statement, whatever its size. */
  async load(docId: string): Promise<StoredDoc | null> {
    const { rows } = await this.#pool.query<LoadRow>(loadSql, [docId, noBound], again);
    return rows[0] ? stored(docId, rows) : null;
  }

  /**
   * `load` in slices: a doc of more than one chunk's weight is read a state chunk per
   * statement, then its log about a chunk's worth per statement, all in one REPEATABLE READ
   * transaction — one snapshot, so a compaction committing meanwhile is not seen at all
   * (its replaced chunks stay readable to the snapshot). Each statement's result is parsed
   * in a turn of its own. A lighter doc is read whole by the first statement, as `load`.
   * The result holds the updates stored before the snapshot; a cluster's room follows the
   * doc's stream before it loads, so it gets later ones from there.
   */
  async loadInSlices(docId: string): Promise<StoredDoc | null> {
    const { rows } = await this.#pool.query<LoadRow>(loadSql, [docId, this.#chunkBytes], again);
    if (!rows[0]) return null;
    if (rows[0].whole) return stored(docId, rows);
    try {
      return await this.#readInSlices(docId);
    } catch (error) {
      // A read may be had twice: once more on a fresh connection when its own was lost (as
      // `load`'s statement is, PgPool.query).
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      return this.#readInSlices(docId);
    }
  }

  /** A sliced load's transaction: the head, the state's chunks, the log, one snapshot. */
  #readInSlices(docId: string): Promise<StoredDoc | null> {
    return this.#pool.inTransaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { rows: heads } = await client.query<HeadRow>(headSql, [docId]);
      const head = heads[0];
      // Deleted since the first statement.
      if (!head) return null;
      let state: Buffer | null = null;
      if (head.generation !== null) {
        state = Buffer.allocUnsafe(toNumber(head.bytes));
        let offset = 0;
        for (let idx = 0; idx < head.chunks!; idx++) {
          const { rows: chunks } = await client.query<{ data: Buffer }>(
            'SELECT data FROM doc_state_chunks WHERE doc_id = $1 AND generation = $2 AND idx = $3',
            [docId, head.generation, idx],
          );
          const chunk = chunks[0]?.data;
          if (!chunk || offset + chunk.byteLength > state.byteLength) {
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
      let after = toNumber(head.through_log_id);
      for (;;) {
        const { rows: slice } = await client.query<{ id: string; data: Buffer }>(logSliceSql, [
          docId,
          after,
          this.#chunkBytes,
          logSliceRows,
        ]);
        for (const row of slice) {
          log.push(row.data);
          lastLogId = after = toNumber(row.id);
          storedBytes += row.data.byteLength;
        }
        if (slice.length === 0) break;
      }
      return {
        state,
        log,
        lastLogId,
        storedBytes,
        lastSeq: toNumber(head.last_seq),
        // The same snapshot as the rows: exactly updates 1..n are in state + log.
        updatesStored: toNumber(head.updates_stored),
      };
    });
  }

  async append(updates: readonly NewUpdate[]): Promise<AppendResult[]> {
    if (updates.length === 0) return [];
    for (const { update } of updates) {
      // pg would store a string as its text bytes: refuse before anything is written.
      if (!(update instanceof Uint8Array)) throw new TypeError('An update must be bytes.');
    }
    // One statement, so one transaction and one round trip (pgMigrations, version 2; the
    // closed-workspace check since version 12, each update's number in its doc since 14).
    const { rows } = await this.#pool
      .query<{ r_seq: string; r_log_id: string; r_stored: string }>(
        'SELECT r_seq, r_log_id, r_stored FROM desk_append($1::text[], $2::text[], $3::bytea[], $4)',
        [
          updates.map((u) => u.docId),
          updates.map((u) => u.workspaceId),
          updates.map((u) => asBuffer(u.update)),
          this.#now(),
        ],
        { againOnLostConnection: true },
      )
      .catch((error: unknown) => {
        throw closedWorkspaces(error) ?? closedDocs(error) ?? error;
      });
    return rows.map((row) => ({
      seq: toNumber(row.r_seq),
      logId: toNumber(row.r_log_id),
      stored: toNumber(row.r_stored),
    }));
  }

  /**
   * Writes the state a chunk per statement (each built in a turn of its own) under a fresh
   * generation, then makes it current and deletes the replaced state and the log through
   * `throughLogId` — all in one transaction: a reader sees the old state and its log or the
   * new state and the rest of the log. Appends to the doc go on while the chunks are
   * written (the doc's row is locked only for the switch, as an append locks it).
   */
  async compact(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void> {
    await this.#pool
      .inTransaction(async (client) => {
        // First, before the doc's lock: a stale holder is refused without waiting for it.
        if (fence) await checkLeaseFence((sql, params) => pgRow(client, sql, params), fence);
        // KEY SHARE, as the chunks' foreign key takes it: a deletion of the doc waits for this
        // compaction (or this one finds no doc), an append does not.
        const { rows: docs } = await client.query(
          'SELECT 1 FROM docs WHERE doc_id = $1 FOR KEY SHARE',
          [docId],
        );
        if (docs.length === 0) throw new Error(`No document ${docId} to compact.`);
        const { rows: generations } = await client.query<{ generation: string }>(
          "SELECT nextval('doc_state_generations') AS generation",
        );
        const generation = generations[0]!.generation;
        const chunks = Math.max(1, Math.ceil(state.byteLength / this.#chunkBytes));
        const bytes = asBuffer(state);
        for (let idx = 0; idx < chunks; idx++) {
          const start = idx * this.#chunkBytes;
          await client.query(
            'INSERT INTO doc_state_chunks (doc_id, generation, idx, data) VALUES ($1, $2, $3, $4)',
            [docId, generation, idx, bytes.subarray(start, start + this.#chunkBytes)],
          );
        }
        // The doc's head row, locked as an append locks it (NO KEY UPDATE): an append waits,
        // then adds to the totals below; so does another compaction of the doc, which may hold
        // KEY SHARE meanwhile (a FOR UPDATE here would deadlock with it).
        await client.query('SELECT 1 FROM docs WHERE doc_id = $1 FOR NO KEY UPDATE', [docId]);
        // Read after the lock, in a statement of its own: a statement that waited for the lock
        // rechecks the locked row only, and a joined doc_states row would be the one from
        // before a compaction that committed meanwhile (seen: rows lost when two processes
        // compacted one doc at once).
        const { rows: states } = await client.query<{ through_log_id: string }>(
          'SELECT through_log_id FROM doc_states WHERE doc_id = $1',
          [docId],
        );
        // Never backwards. A compaction that lands after one through a later row is dropped
        // (its chunks with the rollback): everything its state holds is in the stored state
        // or log already, and on a store shared by processes its state may lack rows the
        // later one folded (two processes compacting one doc from what each read), so writing
        // it would lose them.
        if (toNumber(states[0]?.through_log_id) > throughLogId) throw dropped;
        const through = throughLogId;
        await client.query(
          `INSERT INTO doc_states (doc_id, generation, chunks, bytes, through_log_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (doc_id) DO UPDATE SET
           generation = excluded.generation, chunks = excluded.chunks, bytes = excluded.bytes,
           through_log_id = excluded.through_log_id`,
          [docId, generation, chunks, state.byteLength, through],
        );
        await client.query('DELETE FROM doc_state_chunks WHERE doc_id = $1 AND generation <> $2', [
          docId,
          generation,
        ]);
        await client.query('DELETE FROM doc_updates WHERE doc_id = $1 AND id <= $2', [
          docId,
          through,
        ]);
        await client.query(
          `UPDATE docs SET (log_count, log_bytes) =
           (SELECT COUNT(*), COALESCE(SUM(octet_length(data)), 0)
            FROM doc_updates WHERE doc_id = $1)
         WHERE doc_id = $1`,
          [docId],
        );
      })
      .catch((error: unknown) => {
        if (error !== dropped) throw error;
      });
  }

  /**
   * `compact`, which writes in chunks already: one transaction, a chunk per statement. The
   * name the sync core calls on every store.
   */
  compactInSlices(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void> {
    return this.compact(docId, state, throughLogId, fence);
  }

  async changedSince(
    workspaceId: string,
    sinceSeq: number,
    limit?: number,
  ): Promise<ChangedDocRow[]> {
    const { rows } = await this.#pool.query<{ doc_id: string; last_seq: string }>(
      `SELECT doc_id, last_seq FROM docs WHERE workspace_id = $1 AND last_seq > $2
       ORDER BY last_seq LIMIT $3`,
      [workspaceId, sinceSeq, limit ?? null],
      again,
    );
    return rows.map((row) => ({ docId: row.doc_id, seq: toNumber(row.last_seq) }));
  }

  /**
   * How many updates each of these docs (of one workspace) has had stored, ever: the
   * lagging-document watch's one query per workspace and pass. Docs never stored are left
   * out. Primary-key lookups: its cost follows the docs asked about, not the workspace.
   */
  async storedCounts(workspaceId: string, docIds: readonly string[]): Promise<StoredCountRow[]> {
    if (docIds.length === 0) return [];
    const { rows } = await this.#pool.query<{ doc_id: string; updates_stored: string }>(
      `SELECT doc_id, updates_stored FROM docs
       WHERE doc_id = ANY($1::text[]) AND workspace_id = $2`,
      [docIds, workspaceId],
      again,
    );
    return rows.map((row) => ({ docId: row.doc_id, updatesStored: toNumber(row.updates_stored) }));
  }

  async workspaceSeq(workspaceId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ seq: string }>(
      'SELECT seq FROM workspace_seq WHERE workspace_id = $1',
      [workspaceId],
      again,
    );
    return toNumber(rows[0]?.seq);
  }

  async ticketCount(workspaceId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ tickets: string }>(
      'SELECT tickets FROM workspace_ticket_counts WHERE workspace_id = $1',
      [workspaceId],
      again,
    );
    return toNumber(rows[0]?.tickets);
  }

  async deleteWorkspace(workspaceId: string): Promise<void> {
    await this.#pool.inTransaction(async (client) => {
      // The sequence row first, as an append takes it: an append in flight finishes first.
      await client.query('SELECT seq FROM workspace_seq WHERE workspace_id = $1 FOR UPDATE', [
        workspaceId,
      ]);
      await client.query(
        `DELETE FROM doc_updates WHERE doc_id IN
           (SELECT doc_id FROM docs WHERE workspace_id = $1)`,
        [workspaceId],
      );
      await client.query(
        `DELETE FROM lease_fences WHERE name IN
           (SELECT 'compact:' || doc_id FROM docs WHERE workspace_id = $1)`,
        [workspaceId],
      );
      await client.query('DELETE FROM docs WHERE workspace_id = $1', [workspaceId]);
      await client.query('DELETE FROM workspace_seq WHERE workspace_id = $1', [workspaceId]);
    });
  }

  async closeWorkspace(workspaceId: string): Promise<void> {
    await this.#pool.inTransaction(async (client) => {
      // The sequence row locked as an append locks it (created if the workspace never
      // stored anything): an append in flight commits first, and one that comes later waits
      // for this commit, then sees the row below (desk_append reads it after its bump).
      await client.query(
        `INSERT INTO workspace_seq AS s (workspace_id, seq) VALUES ($1, 0)
         ON CONFLICT (workspace_id) DO UPDATE SET seq = s.seq`,
        [workspaceId],
      );
      await client.query(
        `INSERT INTO closed_workspaces (workspace_id, closed_at) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO NOTHING`,
        [workspaceId, this.#now()],
      );
    });
  }

  async closeDocs(docs: readonly ClosedDoc[]): Promise<void> {
    assertPrivateDocs(docs);
    if (docs.length === 0) return;
    const workspaces = [...new Set(docs.map((doc) => doc.workspaceId))].sort();
    await this.#pool.inTransaction(async (client) => {
      // The docs' sequence rows locked as an append locks them, in the same order (as
      // closeWorkspace): an append in flight commits first; a later one waits for this
      // commit, then sees the rows below (desk_append reads them after its bump).
      await client.query(
        `INSERT INTO workspace_seq AS s (workspace_id, seq)
         SELECT w, 0 FROM unnest($1::text[]) AS w ORDER BY w
         ON CONFLICT (workspace_id) DO UPDATE SET seq = s.seq`,
        [workspaces],
      );
      await client.query(
        `INSERT INTO closed_docs (doc_id, closed_at)
         SELECT d, $2 FROM unnest($1::text[]) AS d
         ON CONFLICT (doc_id) DO NOTHING`,
        [docs.map((doc) => doc.docId), this.#now()],
      );
    });
  }

  async deleteDocs(docIds: readonly string[]): Promise<number> {
    if (docIds.length === 0) return 0;
    const ids = [...docIds].sort();
    return this.#pool.inTransaction(async (client) => {
      // Locked in doc order, as an append locks them.
      await client.query(
        'SELECT doc_id FROM docs WHERE doc_id = ANY($1::text[]) ORDER BY doc_id FOR UPDATE',
        [ids],
      );
      await client.query('DELETE FROM doc_updates WHERE doc_id = ANY($1::text[])', [ids]);
      // doc_states goes with its doc (ON DELETE CASCADE). The compaction leases' fences go
      // too (their names hold the doc ids; a purge leaves none): a late compaction of a
      // deleted doc finds no doc to compact.
      const deleted = await client.query('DELETE FROM docs WHERE doc_id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM lease_fences WHERE name = ANY($1::text[])', [
        ids.map((id) => `compact:${id}`),
      ]);
      return deleted.rowCount ?? 0;
    });
  }
}

/** Thrown inside a compaction's transaction to roll it back: it was dropped, not failed. */
const dropped = Symbol('dropped');

/** A `loadSql` result (head first, then the state's chunks, then the log) as a StoredDoc. */
function stored(docId: string, rows: readonly LoadRow[]): StoredDoc {
  const head = rows[0]!;
  const chunks: Buffer[] = [];
  const log: Uint8Array[] = [];
  let lastLogId = 0;
  let logBytes = 0;
  for (const row of rows.slice(1)) {
    if (row.part === 1) {
      chunks.push(row.data!);
    } else {
      log.push(row.data!);
      lastLogId = toNumber(row.n);
      logBytes += row.data!.byteLength;
    }
  }
  let state: Buffer | null = null;
  if (head.generation !== null) {
    if (chunks.length !== head.chunks) {
      throw new DocStoreError(DocStoreErrorCode.stateIncomplete, docId);
    }
    state = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (state.byteLength !== toNumber(head.bytes)) {
      throw new DocStoreError(DocStoreErrorCode.stateIncomplete, docId);
    }
  }
  return {
    state,
    log,
    lastLogId,
    storedBytes: (state?.byteLength ?? 0) + logBytes,
    lastSeq: toNumber(head.last_seq),
    // The same snapshot as the rows: exactly updates 1..n are in state + log.
    updatesStored: toNumber(head.updates_stored),
  };
}

/** `desk_append`'s refusal of closed workspaces as a typed error; null for any other error. */
function closedWorkspaces(error: unknown): WorkspaceClosedError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== WORKSPACE_CLOSED_SQLSTATE || typeof detail !== 'string') return null;
  return new WorkspaceClosedError(detail.split(' '));
}

/** `desk_append`'s refusal of closed private docs as a typed error; null for any other error. */
function closedDocs(error: unknown): DocClosedError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== DOC_CLOSED_SQLSTATE || typeof detail !== 'string') return null;
  return new DocClosedError(detail.split(' '));
}

/** The first row of one statement on a transaction's client (the fence check's query). */
async function pgRow<Row extends object>(
  client: PgQueryable,
  sql: string,
  params: unknown[],
): Promise<Row | undefined> {
  const { rows } = await client.query<Row>(sql, params);
  return rows[0];
}
