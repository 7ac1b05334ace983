import type { FirstPageRow, TicketSearchHit } from '@desk/protocol';
import type { LeaseFence } from '../store/DocStore.ts';
import { checkSqlFence } from '../store/leaseFences.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { ftsMatchQuery, workspaceToken } from './ftsQuery.ts';
import { searchTerms, snippetOf, tsQuery } from './searchTerms.ts';
import { RANKED_MATCHES } from './SqliteTicketSearchIndex.ts';
import type {
  TicketSearchFields,
  TicketSearchIndex,
  WorkspaceBehind,
} from './TicketSearchIndex.ts';

/**
 * Ranking weights of PostgreSQL's `ts_rank`, for the weights D, C, B, A: the workspace
 * token, the body, the people, the title — FTS5's bm25 weights 0, 1, 4, 10.
 */
const PG_WEIGHTS = '{0, 0.1, 0.4, 1.0}';

/**
 * The ticket search projection on the SQL seam (issue 19): what SearchProjector writes and
 * the search route reads, once for SQLite and PostgreSQL. What differs is the full-text
 * part alone — on SQLite the FTS5 table of migration 16 (its triggers keep it), on
 * PostgreSQL the `document` tsvector of schema version 10 (pgSearchSchema) under GIN, with
 * the text's words cut as FTS5 cuts them (`searchTerms`) — and it answers the same: every
 * word of the query, the last one a prefix from two characters, among the workspace's live
 * tickets; the newest RANKED_MATCHES matches ranked, the title above the people above the
 * body. The cursors (`search_cursors` against the doc store's `workspace_seq`, in the same
 * database on both) and the first page's rows are written once.
 */
export class SqlTicketSearchIndex implements AsyncStore<TicketSearchIndex> {
  readonly #pg: boolean;

  constructor(private readonly db: SqlDatabase) {
    this.#pg = db.dialect.name === 'postgres';
  }

  async putFields(
    workspaceId: string,
    rows: readonly TicketSearchFields[],
    throughSeq: number | null,
    fence?: LeaseFence | null,
  ): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      for (const row of rows) {
        const deleted = row.deleted ? 1 : 0;
        const token = workspaceToken(workspaceId, row.deleted);
        // Rewritten only when a field changed: re-reading a 5,000-ticket index writes
        // only what changed (and on SQLite, only those rows' postings).
        const changed = `search_tickets.number IS DISTINCT FROM excluded.number
            OR search_tickets.title IS DISTINCT FROM excluded.title
            OR search_tickets.people IS DISTINCT FROM excluded.people
            OR search_tickets.deleted IS DISTINCT FROM excluded.deleted`;
        if (this.#pg) {
          await this.db.run(
            `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, number, title, people,
                deleted, terms_title, terms_people)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
               number = excluded.number, title = excluded.title, people = excluded.people,
               deleted = excluded.deleted, ws_token = excluded.ws_token,
               terms_title = excluded.terms_title, terms_people = excluded.terms_people
             WHERE ${changed}`,
            [
              workspaceId,
              row.ticketId,
              token,
              row.number,
              row.title,
              row.people,
              deleted,
              searchTerms(row.title),
              searchTerms(row.people),
            ],
          );
        } else {
          await this.db.run(
            `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, number, title, people, deleted)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
               number = excluded.number, title = excluded.title, people = excluded.people,
               deleted = excluded.deleted, ws_token = excluded.ws_token
             WHERE ${changed}`,
            [workspaceId, row.ticketId, token, row.number, row.title, row.people, deleted],
          );
        }
        await this.db.run(
          `INSERT INTO ticket_rows (workspace_id, ticket_id, status, updated_at, deleted, "row")
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
             status = excluded.status, updated_at = excluded.updated_at,
             deleted = excluded.deleted, "row" = excluded."row"
           WHERE ticket_rows."row" IS DISTINCT FROM excluded."row"
              OR ticket_rows.deleted IS DISTINCT FROM excluded.deleted`,
          [
            workspaceId,
            row.ticketId,
            row.listRow.status,
            row.listRow.updatedAt,
            deleted,
            JSON.stringify(row.listRow),
          ],
        );
      }
      if (throughSeq !== null) await this.#setCursor(workspaceId, throughSeq);
    });
  }

  async putBody(
    workspaceId: string,
    ticketId: string,
    body: string,
    throughSeq: number,
    fence?: LeaseFence | null,
  ): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      const token = workspaceToken(workspaceId);
      if (this.#pg) {
        await this.db.run(
          `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, body, terms_body)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET
             body = excluded.body, terms_body = excluded.terms_body
           WHERE search_tickets.body IS DISTINCT FROM excluded.body`,
          [workspaceId, ticketId, token, body, searchTerms(body)],
        );
      } else {
        await this.db.run(
          `INSERT INTO search_tickets (workspace_id, ticket_id, ws_token, body)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET body = excluded.body
           WHERE search_tickets.body IS DISTINCT FROM excluded.body`,
          [workspaceId, ticketId, token, body],
        );
      }
      await this.#setCursor(workspaceId, throughSeq);
    });
  }

  async advance(workspaceId: string, throughSeq: number, fence?: LeaseFence | null): Promise<void> {
    if (!fence) return this.#setCursor(workspaceId, throughSeq);
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      await this.#setCursor(workspaceId, throughSeq);
    });
  }

  async #setCursor(workspaceId: string, seq: number): Promise<void> {
    await this.db.run(
      `INSERT INTO search_cursors (workspace_id, seq) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq`,
      [workspaceId, seq],
    );
  }

  async behind(limit: number): Promise<{ behind: WorkspaceBehind[]; reset: string[] }> {
    const behind = await this.db.all<{ workspace_id: string; seq: number; cursor: number }>(
      `SELECT w.workspace_id, w.seq, COALESCE(c.seq, 0) AS cursor
         FROM workspace_seq w LEFT JOIN search_cursors c ON c.workspace_id = w.workspace_id
        WHERE w.seq > COALESCE(c.seq, 0)
        LIMIT ?`,
      [limit],
    );
    const reset = await this.db.all<{ workspace_id: string }>(
      `SELECT c.workspace_id
         FROM search_cursors c LEFT JOIN workspace_seq w ON w.workspace_id = c.workspace_id
        WHERE w.seq IS NULL OR w.seq < c.seq
        ORDER BY c.workspace_id`,
    );
    return {
      behind: behind.map((r) => ({
        workspaceId: r.workspace_id,
        seq: Number(r.seq),
        cursor: Number(r.cursor),
      })),
      reset: reset.map((r) => r.workspace_id),
    };
  }

  async search(workspaceId: string, query: string, limit: number): Promise<TicketSearchHit[]> {
    return this.#pg
      ? this.#searchPg(workspaceId, query, limit)
      : this.#searchSqlite(workspaceId, query, limit);
  }

  /**
   * The newest RANKED_MATCHES matches of the workspace's live tickets (its token in the
   * query lets GIN intersect postings), ranked; snippets cut here, as FTS5's are.
   */
  async #searchPg(workspaceId: string, query: string, limit: number): Promise<TicketSearchHit[]> {
    const words = tsQuery(query);
    if (words === null) return [];
    const match = `'${workspaceToken(workspaceId)}' & (${words})`;
    const rows = await this.db.all<{
      ticket_id: string;
      number: number | null;
      title: string;
      body: string;
    }>(
      `SELECT ticket_id, number, title, body FROM (
         SELECT id, ticket_id, number, title, body, document FROM search_tickets
          WHERE document @@ to_tsquery('simple', ?) AND workspace_id = ? AND deleted = 0
          ORDER BY id DESC LIMIT ${RANKED_MATCHES}
       ) recent
        ORDER BY ts_rank('${PG_WEIGHTS}', document, to_tsquery('simple', ?)) DESC, id DESC
        LIMIT ?`,
      [match, workspaceId, match, limit],
    );
    return rows.map((row) => ({
      ticketId: row.ticket_id,
      number: row.number === null ? null : Number(row.number),
      title: row.title || '(untitled)',
      snippet: snippetOf(row.body, query),
    }));
  }

  /** As SqliteTicketSearchIndex.search, on the seam. */
  async #searchSqlite(
    workspaceId: string,
    query: string,
    limit: number,
  ): Promise<TicketSearchHit[]> {
    const words = ftsMatchQuery(query);
    if (words === null) return [];
    const match = `ws_token : ${workspaceToken(workspaceId)} AND (${words})`;
    const from = await this.db.get<{ rowid: number }>(
      `SELECT rowid FROM search_tickets_fts WHERE search_tickets_fts MATCH ?
        ORDER BY rowid DESC LIMIT 1 OFFSET ${RANKED_MATCHES - 1}`,
      [match],
    );
    const rows = await this.db.all<{
      ticket_id: string;
      number: number | null;
      title: string;
      snippet: string;
    }>(
      `SELECT t.ticket_id, t.number, t.title,
              snippet(search_tickets_fts, 3, '', '', '…', 16) AS snippet
         FROM search_tickets_fts f JOIN search_tickets t ON t.id = f.rowid
        WHERE search_tickets_fts MATCH ? AND f.rowid >= ?
          AND t.workspace_id = ? AND t.deleted = 0
        ORDER BY bm25(search_tickets_fts, 0, 10, 4, 1)
        LIMIT ?`,
      [match, from?.rowid ?? 0, workspaceId, limit],
    );
    return rows.map((row) => ({
      ticketId: row.ticket_id,
      number: row.number,
      title: row.title || '(untitled)',
      snippet: row.snippet,
    }));
  }

  async firstPage(workspaceId: string, limit: number, hotSince: number): Promise<FirstPageRow[]> {
    const rows = await this.db.all<{ row: string }>(
      `SELECT "row" FROM ticket_rows
        WHERE workspace_id = ? AND deleted = 0
          AND (status NOT IN ('solved', 'closed') OR updated_at >= ?)
        ORDER BY updated_at DESC, ticket_id
        LIMIT ?`,
      [workspaceId, hotSince, limit],
    );
    return rows.map((r) => JSON.parse(r.row) as FirstPageRow);
  }

  async withoutListRows(): Promise<string[]> {
    const rows = await this.db.all<{ workspace_id: string }>(
      `SELECT c.workspace_id FROM search_cursors c
        WHERE EXISTS (SELECT 1 FROM search_tickets t WHERE t.workspace_id = c.workspace_id)
          AND NOT EXISTS (SELECT 1 FROM ticket_rows r WHERE r.workspace_id = c.workspace_id)
        ORDER BY c.workspace_id`,
    );
    return rows.map((r) => r.workspace_id);
  }

  async deleteWorkspace(workspaceId: string, fence?: LeaseFence | null): Promise<void> {
    await this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      await this.db.run('DELETE FROM search_tickets WHERE workspace_id = ?', [workspaceId]);
      await this.db.run('DELETE FROM ticket_rows WHERE workspace_id = ?', [workspaceId]);
      await this.db.run('DELETE FROM search_cursors WHERE workspace_id = ?', [workspaceId]);
    });
  }
}
