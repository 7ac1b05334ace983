import type { AsyncDocStore } from '../AsyncDocStore.ts';
import {
  assertPrivateDocs,
  DocClosedError,
  StaleFenceError,
  WorkspaceClosedError,
  type AppendResult,
  type ChangedDocRow,
  type ClosedDoc,
  type LeaseFence,
  type NewUpdate,
  type StoredDoc,
} from '../DocStore.ts';
import { DOC_CLOSED_SQLSTATE } from './pgClosedDocsSchema.ts';
import { WORKSPACE_CLOSED_SQLSTATE } from './pgFencesSchema.ts';
import { toNumber, type PgPool, type PgQueryable } from './PgPool.ts';

interface LoadRow {
  readonly head: boolean;
  readonly last_seq: string | null;
  readonly state: Buffer | null;
  readonly id: string | null;
  readonly data: Buffer | null;
}

/** One statement, so one snapshot: a compaction committing meanwhile is seen whole or not. */
const loadSql = `
  SELECT true AS head, d.last_seq, s.state, NULL::bigint AS id, NULL::bytea AS data
    FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
    WHERE d.doc_id = $1
  UNION ALL
  SELECT false, NULL, NULL, u.id, u.data
    FROM doc_updates u
    WHERE u.doc_id = $1
      AND u.id > COALESCE((SELECT through_log_id FROM doc_states WHERE doc_id = $1), 0)
  ORDER BY head DESC, id`;

/** Reads run again once on a fresh connection when theirs was lost (PgPool.query). */
const again = { againOnLostConnection: true } as const;

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
 */
export class PgDocStore implements AsyncDocStore {
  readonly #pool: PgPool;
  readonly #now: () => number;

  constructor(pool: PgPool, now: () => number = Date.now) {
    this.#pool = pool;
    this.#now = now;
  }

  async generation(): Promise<string> {
    const { rows } = await this.#pool.query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'store_generation'",
      [],
      again,
    );
    return rows[0]?.value ?? '';
  }

  async load(docId: string): Promise<StoredDoc | null> {
    const { rows } = await this.#pool.query<LoadRow>(loadSql, [docId], again);
    const head = rows[0];
    if (!head?.head) return null;
    const state = head.state;
    const log: Uint8Array[] = [];
    let lastLogId = 0;
    let storedBytes = state?.byteLength ?? 0;
    for (const row of rows.slice(1)) {
      log.push(row.data!);
      lastLogId = toNumber(row.id);
      storedBytes += row.data!.byteLength;
    }
    return { state, log, lastLogId, storedBytes, lastSeq: toNumber(head.last_seq) };
  }

  async append(updates: readonly NewUpdate[]): Promise<AppendResult[]> {
    if (updates.length === 0) return [];
    for (const { update } of updates) {
      // pg would store a string as its text bytes: refuse before anything is written.
      if (!(update instanceof Uint8Array)) throw new TypeError('An update must be bytes.');
    }
    // One statement, so one transaction and one round trip (pgMigrations, version 2; the
    // closed-workspace check since version 12).
    const { rows } = await this.#pool
      .query<{ r_seq: string; r_log_id: string }>(
        'SELECT r_seq, r_log_id FROM desk_append($1::text[], $2::text[], $3::bytea[], $4)',
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
    return rows.map((row) => ({ seq: toNumber(row.r_seq), logId: toNumber(row.r_log_id) }));
  }

  async compact(
    docId: string,
    state: Uint8Array,
    throughLogId: number,
    fence?: LeaseFence,
  ): Promise<void> {
    await this.#pool.inTransaction(async (client) => {
      // First, before the doc's lock: a stale holder is refused without waiting for it.
      if (fence) await checkFence(client, fence);
      // The doc's head row, locked: an append to it waits, then adds to the totals below;
      // so does another compaction of the doc.
      const { rows } = await client.query('SELECT 1 FROM docs WHERE doc_id = $1 FOR UPDATE', [
        docId,
      ]);
      if (rows.length === 0) throw new Error(`No document ${docId} to compact.`);
      // Read after the lock, in a statement of its own: a statement that waited for the lock
      // rechecks the locked row only, and a joined doc_states row would be the one from
      // before a compaction that committed meanwhile (seen: rows lost when two processes
      // compacted one doc at once).
      const { rows: states } = await client.query<{ through_log_id: string }>(
        'SELECT through_log_id FROM doc_states WHERE doc_id = $1',
        [docId],
      );
      // Never backwards. A compaction that lands after one through a later row is dropped:
      // everything its state holds is in the stored state or log already, and on a store
      // shared by processes its state may lack rows the later one folded (two processes
      // compacting one doc from what each read), so writing it would lose them.
      if (toNumber(states[0]?.through_log_id) > throughLogId) return;
      const through = throughLogId;
      await client.query(
        `INSERT INTO doc_states (doc_id, state, bytes, through_log_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (doc_id) DO UPDATE SET
           state = excluded.state, bytes = excluded.bytes, through_log_id = excluded.through_log_id`,
        [docId, asBuffer(state), state.byteLength, through],
      );
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
    });
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

/** `desk_append`'s refusal of closed workspaces as a typed error; null for any other error. */
function closedWorkspaces(error: unknown): WorkspaceClosedError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== WORKSPACE_CLOSED_SQLSTATE || typeof detail !== 'string') return null;
  return new WorkspaceClosedError(detail.split(' '));
}

/**
 * Raises the name's highest fence to `fence`, or refuses when it is higher already: under
 * the row's lock until commit, so of two holders writing at once the later fence wins
 * whichever commits first.
 */
async function checkFence(client: PgQueryable, { name, fence }: LeaseFence): Promise<void> {
  const { rows } = await client.query<{ fence: string }>(
    `INSERT INTO lease_fences AS f (name, fence) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET fence = GREATEST(f.fence, excluded.fence)
     RETURNING f.fence`,
    [name, fence],
  );
  const highest = toNumber(rows[0]?.fence);
  if (highest > fence) throw new StaleFenceError(name, fence, highest);
}

/** `desk_append`'s refusal of closed private docs as a typed error; null for any other error. */
function closedDocs(error: unknown): DocClosedError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== DOC_CLOSED_SQLSTATE || typeof detail !== 'string') return null;
  return new DocClosedError(detail.split(' '));
}
