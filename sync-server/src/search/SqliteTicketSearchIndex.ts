import type { Statement } from 'better-sqlite3';
import type { FirstPageRow, TicketSearchHit } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { ftsMatchQuery, workspaceToken } from './ftsQuery.ts';
import type {
  TicketSearchFields,
  TicketSearchIndex,
  WorkspaceBehind,
} from './TicketSearchIndex.ts';

/** Tokens of context `snippet()` shows around the first match. */
const SNIPPET_TOKENS = 16;

/**
 * Matches ranked by bm25 at most: the newest this many (by projection order). A rare word
 * is ranked among all its matches; a word in every ticket among the newest 500.
 * @default 500
 */
export const RANKED_MATCHES = 500;

/**
 * TicketSearchIndex in SQLite FTS5 (migration 16), in the same database as the documents,
 * so `behind` reads the doc store's `workspace_seq` directly. Ranked by bm25 with the title
 * weighted above the people and the body. Synchronous on the event loop like every SQLite
 * call here: a common word in a 10,000-ticket workspace costs tens of milliseconds.
 */
export class SqliteTicketSearchIndex implements TicketSearchIndex {
  readonly #putFields: Statement;
  readonly #putBody: Statement;
  readonly #setCursor: Statement;
  readonly #behind: Statement;
  readonly #reset: Statement;
  readonly #rankFrom: Statement;
  readonly #rank: Statement;
  readonly #hits: Statement;
  readonly #deleteRows: Statement;
  readonly #putListRow: Statement;
  readonly #firstPage: Statement;
  readonly #deleteListRows: Statement;
  readonly #deleteCursor: Statement;
  readonly #withoutListRows: Statement;
  readonly #putFieldsTx: (
    ws: string,
    rows: readonly TicketSearchFields[],
    seq: number | null,
  ) => void;
  readonly #putBodyTx: (ws: string, ticketId: string, body: string, seq: number) => void;
  readonly #deleteTx: (ws: string) => void;

  constructor(private readonly db: SqliteDatabase) {
    this.#putFields = db.prepare(
      `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, number, title, people, deleted)
       VALUES (@ws, @ticketId, @token, @number, @title, @people, @deleted)
       ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
         number = excluded.number, title = excluded.title, people = excluded.people,
         deleted = excluded.deleted, ws_token = excluded.ws_token
       WHERE number IS NOT excluded.number OR title IS NOT excluded.title
          OR people IS NOT excluded.people OR deleted IS NOT excluded.deleted`,
    );
    this.#putBody = db.prepare(
      `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, body)
       VALUES (@ws, @ticketId, @token, @body)
       ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET body = excluded.body
       WHERE body IS NOT excluded.body`,
    );
    this.#setCursor = db.prepare(
      `INSERT INTO search_cursors (workspace_id, seq) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq`,
    );
    this.#behind = db.prepare(
      `SELECT w.workspace_id AS workspaceId, w.seq AS seq, COALESCE(c.seq, 0) AS cursor
         FROM workspace_seq w LEFT JOIN search_cursors c ON c.workspace_id = w.workspace_id
        WHERE w.seq > COALESCE(c.seq, 0)
        LIMIT ?`,
    );
    this.#reset = db.prepare(
      `SELECT c.workspace_id AS workspaceId
         FROM search_cursors c LEFT JOIN workspace_seq w ON w.workspace_id = c.workspace_id
        WHERE w.seq IS NULL OR w.seq < c.seq
        ORDER BY c.workspace_id`,
    );
    // Ranking every match of a common word (every ticket has "printer") costs ~10 µs a
    // row on the event loop; the best of the newest RANKED_MATCHES is ranked instead: the
    // oldest of them bounds the rowid range (FTS5 walks rowids in order and stops).
    this.#rankFrom = db.prepare(
      `SELECT rowid FROM search_tickets_fts WHERE search_tickets_fts MATCH @match
        ORDER BY rowid DESC LIMIT 1 OFFSET ${RANKED_MATCHES - 1}`,
    );
    // Then the best rowids by bm25, then the snippets of those few only.
    this.#rank = db.prepare(
      `SELECT rowid FROM search_tickets_fts WHERE search_tickets_fts MATCH @match AND rowid >= @from
        ORDER BY bm25(search_tickets_fts, 0, 10, 4, 1) LIMIT @limit`,
    );
    this.#hits = db.prepare(
      `SELECT f.rowid AS id, t.ticket_id AS ticketId, t.number AS number, t.title AS title,
              snippet(search_tickets_fts, 3, '', '', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM search_tickets_fts f JOIN search_tickets t ON t.id = f.rowid
        WHERE search_tickets_fts MATCH @match
          AND f.rowid IN (SELECT value FROM json_each(@ids))
          AND t.workspace_id = @ws AND t.deleted = 0`,
    );
    this.#deleteRows = db.prepare('DELETE FROM search_tickets WHERE workspace_id = ?');
    // The list's first page (migration 22): rewritten only when the row changed, like the
    // search fields, so re-reading a 5,000-ticket index writes only what changed.
    this.#putListRow = db.prepare(
      `INSERT INTO ticket_rows (workspace_id, ticket_id, status, updated_at, deleted, row)
       VALUES (@ws, @ticketId, @status, @updatedAt, @deleted, @row)
       ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
         status = excluded.status, updated_at = excluded.updated_at,
         deleted = excluded.deleted, row = excluded.row
       WHERE row IS NOT excluded.row OR deleted IS NOT excluded.deleted`,
    );
    this.#firstPage = db.prepare(
      `SELECT row FROM ticket_rows
        WHERE workspace_id = @ws AND deleted = 0
          AND (status NOT IN ('solved', 'closed') OR updated_at >= @hotSince)
        ORDER BY updated_at DESC, ticket_id
        LIMIT @limit`,
    );
    this.#deleteListRows = db.prepare('DELETE FROM ticket_rows WHERE workspace_id = ?');
    this.#deleteCursor = db.prepare('DELETE FROM search_cursors WHERE workspace_id = ?');
    // One probe of each table's workspace index per projected workspace (at start only).
    this.#withoutListRows = db.prepare(
      `SELECT c.workspace_id AS workspaceId FROM search_cursors c
        WHERE EXISTS (SELECT 1 FROM search_tickets t WHERE t.workspace_id = c.workspace_id)
          AND NOT EXISTS (SELECT 1 FROM ticket_rows r WHERE r.workspace_id = c.workspace_id)
        ORDER BY c.workspace_id`,
    );
    this.#putFieldsTx = db.transaction((ws, rows, seq) => {
      for (const row of rows) {
        this.#putFields.run({
          ws,
          token: workspaceToken(ws, row.deleted),
          ticketId: row.ticketId,
          number: row.number,
          title: row.title,
          people: row.people,
          deleted: row.deleted ? 1 : 0,
        });
        this.#putListRow.run({
          ws,
          ticketId: row.ticketId,
          status: row.listRow.status,
          updatedAt: row.listRow.updatedAt,
          deleted: row.deleted ? 1 : 0,
          row: JSON.stringify(row.listRow),
        });
      }
      if (seq !== null) this.#setCursor.run(ws, seq);
    });
    this.#putBodyTx = db.transaction((ws, ticketId, body, seq) => {
      this.#putBody.run({ ws, ticketId, token: workspaceToken(ws), body });
      this.#setCursor.run(ws, seq);
    });
    this.#deleteTx = db.transaction((ws) => {
      this.#deleteRows.run(ws);
      this.#deleteListRows.run(ws);
      this.#deleteCursor.run(ws);
    });
  }

  putFields(workspaceId: string, rows: readonly TicketSearchFields[], throughSeq: number | null) {
    this.#putFieldsTx(workspaceId, rows, throughSeq);
  }

  putBody(workspaceId: string, ticketId: string, body: string, throughSeq: number): void {
    this.#putBodyTx(workspaceId, ticketId, body, throughSeq);
  }

  advance(workspaceId: string, throughSeq: number): void {
    this.#setCursor.run(workspaceId, throughSeq);
  }

  behind(limit: number): { behind: WorkspaceBehind[]; reset: string[] } {
    return {
      behind: this.#behind.all(limit) as WorkspaceBehind[],
      reset: (this.#reset.all() as { workspaceId: string }[]).map((r) => r.workspaceId),
    };
  }

  search(workspaceId: string, query: string, limit: number): TicketSearchHit[] {
    const words = ftsMatchQuery(query);
    if (words === null) return [];
    // The workspace (and liveness) inside the MATCH narrows the postings to its tickets;
    // the SQL filter on the few hits is the guarantee.
    const match = `ws_token : ${workspaceToken(workspaceId)} AND (${words})`;
    const from = (this.#rankFrom.get({ match }) as { rowid: number } | undefined)?.rowid ?? 0;
    const ids = (this.#rank.all({ match, from, limit }) as { rowid: number }[]).map((r) => r.rowid);
    if (ids.length === 0) return [];
    const rows = this.#hits.all({
      match,
      ids: JSON.stringify(ids),
      ws: workspaceId,
    }) as (TicketSearchHit & {
      id: number;
    })[];
    const byId = new Map(rows.map(({ id, ...hit }) => [id, hit]));
    return ids.flatMap((id) => {
      const hit = byId.get(id);
      return hit ? [{ ...hit, title: hit.title || '(untitled)' }] : [];
    });
  }

  firstPage(workspaceId: string, limit: number, hotSince: number): FirstPageRow[] {
    const rows = this.#firstPage.all({ ws: workspaceId, limit, hotSince }) as { row: string }[];
    return rows.map((r) => JSON.parse(r.row) as FirstPageRow);
  }

  withoutListRows(): string[] {
    return (this.#withoutListRows.all() as { workspaceId: string }[]).map((r) => r.workspaceId);
  }

  deleteWorkspace(workspaceId: string): void {
    this.#deleteTx(workspaceId);
  }
}
