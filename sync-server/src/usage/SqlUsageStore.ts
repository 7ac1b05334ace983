import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  indexGenerations,
  type AsyncUsageStore,
  type DocRow,
  type UsageFigures,
} from './UsageStore.ts';

const SIZE = 'COALESCE(s.bytes, 0) + d.log_bytes';

/**
 * A workspace's usage on the SQL seam (store/sql/), read from the same tables as
 * SqliteUsageStore, written once for SQLite and PostgreSQL. Where SQLite's store reads a
 * range of document ids (`<ws>:ticket:` up to `<ws>:ticket;`), this one does not: the range
 * holds the prefix's ids only in byte order, which PostgreSQL's text comparison follows
 * under the C collation alone — under an ICU or glibc collation `;` sorts before `:` and the
 * range is empty. So tickets are the `workspace_ticket_counts` row (what the ticket limit
 * reads, kept by triggers on both engines), and the index's documents are matched by exact
 * id or `<ws>:index:` prefix among the workspace's documents (every generation's id is one
 * of those: `indexGenerationOf`).
 */
export class SqlUsageStore implements AsyncUsageStore {
  constructor(private readonly db: SqlDatabase) {}

  async figures(workspaceId: string): Promise<UsageFigures> {
    const { db } = this;
    const indexId = `${workspaceId}:index`;
    const generationPrefix = `${indexId}:`;
    const [sub, docs, indexDocs, tickets, attachments, members] = await Promise.all([
      db.get<{ plan_id: string; seat_limit_override: number | null }>(
        'SELECT plan_id, seat_limit_override FROM subscriptions WHERE workspace_id = ?',
        [workspaceId],
      ),
      // The documents' bytes are the counter the store keeps exact (what the storage
      // limit reads on every write), not a sum.
      db.get<{ n: number; bytes: number }>(
        `SELECT (SELECT COUNT(*) FROM docs WHERE workspace_id = ?) AS n,
                COALESCE((SELECT bytes FROM workspace_doc_bytes WHERE workspace_id = ?), 0) AS bytes`,
        [workspaceId, workspaceId],
      ),
      db.all<DocRow>(
        `SELECT d.doc_id, ${SIZE} AS bytes FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
         WHERE d.workspace_id = ? AND (d.doc_id = ? OR substr(d.doc_id, 1, ?) = ?)`,
        [workspaceId, indexId, generationPrefix.length, generationPrefix],
      ),
      db.get<{ n: number }>(
        `SELECT COALESCE((SELECT tickets FROM workspace_ticket_counts WHERE workspace_id = ?), 0) AS n`,
        [workspaceId],
      ),
      db.get<{ bytes: number }>(
        `SELECT COALESCE((SELECT bytes FROM workspace_file_bytes WHERE workspace_id = ?), 0) AS bytes`,
        [workspaceId],
      ),
      db.get<{ n: number }>('SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?', [
        workspaceId,
      ]),
    ]);
    // Issue 15 #4: a replaced index generation counts for neither the index's size nor the
    // largest document (see SqliteUsageStore).
    const { index, replaced } = indexGenerations(indexDocs);
    const largest = (
      await db.all<DocRow>(
        `SELECT d.doc_id, ${SIZE} AS bytes FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
         WHERE d.workspace_id = ? ORDER BY bytes DESC LIMIT ?`,
        [workspaceId, replaced.size + 1],
      )
    ).find((row) => !replaced.has(row.doc_id));
    return {
      planId: sub?.plan_id ?? null,
      seatLimitOverride: sub?.seat_limit_override ?? null,
      documentCount: docs!.n,
      documentBytes: docs!.bytes,
      largest: largest ? { docId: largest.doc_id, bytes: largest.bytes } : null,
      indexBytes: index?.bytes ?? 0,
      ticketCount: tickets!.n,
      attachmentBytes: attachments!.bytes,
      members: members!.n,
    };
  }
}
