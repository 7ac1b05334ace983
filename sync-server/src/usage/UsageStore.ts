import { indexGenerationOf } from '@desk/model';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** What a workspace uses now, as stored: the raw figures behind its usage meters. */
export interface UsageFigures {
  readonly planId: string | null;
  /** The operator's custom seat limit, which wins over the plan's. */
  readonly seatLimitOverride: number | null;
  readonly documentCount: number;
  readonly documentBytes: number;
  readonly largest: { readonly docId: string; readonly bytes: number } | null;
  readonly indexBytes: number;
  readonly ticketCount: number;
  readonly attachmentBytes: number;
  readonly members: number;
}

/** A document's id and size (its merged state plus the log after it). */
export interface DocRow {
  doc_id: string;
  bytes: number;
}

/** A workspace's use of each limit of its plan (`GET /api/workspaces/:slug/usage`). */
export interface UsageStore {
  figures(workspaceId: string): UsageFigures;
}

/** The usage store on its async interface: SQLite's wrapped, or `SqlUsageStore`. */
export type AsyncUsageStore = AsyncStore<UsageStore>;

/**
 * Reads a workspace's usage from the tables that account for it (read-only): a document's
 * size is what the document-size limit counts — its merged state plus the log after it
 * (`doc_states.bytes + docs.log_bytes`, as DocRooms loads `storedBytes`); attachments are
 * the workspace's stored files, as BlobQuota counts them; seats are memberships.
 */
export class SqliteUsageStore implements UsageStore {
  readonly #subscription;
  readonly #documents;
  readonly #largest;
  readonly #docBytes;
  readonly #tickets;
  readonly #attachments;
  readonly #members;

  constructor(db: SqliteDatabase) {
    const size = 'COALESCE(s.bytes, 0) + d.log_bytes';
    this.#subscription = db.prepare<[string]>(
      'SELECT plan_id, seat_limit_override FROM subscriptions WHERE workspace_id = ?',
    );
    // The documents' bytes and the attachments' are counters the store keeps exact
    // (migrations 23 and 25, what the storage limit reads on every write), not sums.
    this.#documents = db.prepare<[string, string]>(
      `SELECT (SELECT COUNT(*) FROM docs WHERE workspace_id = ?) AS n,
              COALESCE((SELECT bytes FROM workspace_doc_bytes WHERE workspace_id = ?), 0) AS bytes`,
    );
    this.#largest = db.prepare<[string, number]>(
      `SELECT d.doc_id, ${size} AS bytes FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
       WHERE d.workspace_id = ? ORDER BY bytes DESC LIMIT ?`,
    );
    // The index's documents by their id prefix (`<ws>:index`, `<ws>:index:g2`, the head).
    this.#docBytes = db.prepare<[string, string]>(
      `SELECT d.doc_id, ${size} AS bytes FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
       WHERE d.doc_id >= ? AND d.doc_id < ?`,
    );
    // Ticket documents by their id prefix (`<ws>:ticket:`), a range on the primary key.
    this.#tickets = db.prepare<[string, string]>(
      'SELECT COUNT(*) AS n FROM docs WHERE doc_id >= ? AND doc_id < ?',
    );
    this.#attachments = db.prepare<[string]>(
      `SELECT COALESCE((SELECT bytes FROM workspace_file_bytes WHERE workspace_id = ?), 0) AS bytes`,
    );
    this.#members = db.prepare<[string]>(
      'SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?',
    );
  }

  figures(workspaceId: string): UsageFigures {
    const sub = this.#subscription.get(workspaceId) as
      { plan_id: string; seat_limit_override: number | null } | undefined;
    const docs = this.#documents.get(workspaceId, workspaceId) as { n: number; bytes: number };
    // Issue 15 #4: after the server rewrote the index into a new generation, the newest is
    // the index, and an older one (kept for late offline devices, never written by a
    // switched one) counts for neither the index's size nor the largest document.
    const indexDocs = this.#docBytes.all(
      `${workspaceId}:index`,
      `${workspaceId}:index;`,
    ) as DocRow[];
    const { index, replaced } = indexGenerations(indexDocs);
    const largest = (this.#largest.all(workspaceId, replaced.size + 1) as DocRow[]).find(
      (row) => !replaced.has(row.doc_id),
    );
    const tickets = this.#tickets.get(`${workspaceId}:ticket:`, `${workspaceId}:ticket;`) as {
      n: number;
    };
    const attachments = this.#attachments.get(workspaceId) as { bytes: number };
    const members = this.#members.get(workspaceId) as { n: number };
    return {
      planId: sub?.plan_id ?? null,
      seatLimitOverride: sub?.seat_limit_override ?? null,
      documentCount: docs.n,
      documentBytes: docs.bytes,
      largest: largest ? { docId: largest.doc_id, bytes: largest.bytes } : null,
      indexBytes: index?.bytes ?? 0,
      ticketCount: tickets.n,
      attachmentBytes: attachments.bytes,
      members: members.n,
    };
  }
}

/**
 * Of a workspace's index documents, the newest generation (the index) and the older ones it
 * replaced (their ids): `largest` is read with `replaced.size + 1` rows, so one that is not
 * replaced is among them.
 */
export function indexGenerations(indexDocs: readonly DocRow[]): {
  readonly index: DocRow | undefined;
  readonly replaced: ReadonlySet<string>;
} {
  const index = newestGeneration(indexDocs);
  const replaced = new Set(
    indexDocs
      .filter((row) => row !== index && indexGenerationOf(row.doc_id) !== null)
      .map((row) => row.doc_id),
  );
  return { index, replaced };
}

/** The row of the newest index generation among `rows` (`<ws>:index` when never rewritten). */
function newestGeneration(rows: readonly DocRow[]): DocRow | undefined {
  let newest: { row: DocRow; generation: number } | undefined;
  for (const row of rows) {
    const generation = indexGenerationOf(row.doc_id)?.generation;
    if (generation !== undefined && (!newest || generation > newest.generation)) {
      newest = { row, generation };
    }
  }
  return newest?.row;
}
