import type { LeaseFence } from '../store/DocStore.ts';
import { checkSqlFence } from '../store/leaseFences.ts';
import { selectForUpdate, type SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  KEPT_AUDIT_ACTION_PREFIX,
  KEPT_TABLES,
  TRIGGER_COUNTERS,
  type PendingOverview,
  type PurgedRows,
  type PurgeRecord,
  type AsyncWorkspacePurgeStore,
} from './WorkspacePurgeStore.ts';

/** Leaf pages of the search index one merge slice writes (SQLite's FTS5); see the Sqlite store. */
const SEARCH_MERGE_PAGES = 16;

/** The live schema, as the purge needs it. */
interface PurgeSchema {
  /** Tables with a `workspace_id` column, but the kept ones. */
  readonly workspaceTables: readonly string[];
  /** Per-document tables without one (update log, states): rows of the workspace's docs. */
  readonly docTables: readonly string[];
  /** Foreign keys: [referencing table, referenced table]. */
  readonly references: readonly (readonly [string, string])[];
}

/**
 * The purge's SQL on the SQL seam (issue 16 on PostgreSQL, issue 19). As SQLite's store,
 * the tables come from the live schema — every table with a `workspace_id` column but the
 * kept ones, and the documents' own tables (those with a `doc_id` column and no workspace,
 * `doc_updates`, `doc_states` and `doc_state_chunks` on both engines) — so a table added later
 * is purged without being listed. PostgreSQL has no deferred foreign keys here, so tables
 * are deleted in reference order (a table before the ones it references), the documents'
 * tables while their `docs` rows still name the workspace, the trigger-kept counters last.
 *
 * Blobs (snapshot states, attachments) are shared between workspaces, and another process
 * may be writing a row that points at one while the purge finds it unused: each is locked
 * (`dialect.forUpdate`) before it is looked at, as retention does (SqlSnapshotStore).
 *
 * What SQLite does to the file has no PostgreSQL counterpart: `secureDelete` and `checkpoint`
 * do nothing there (a deleted row's bytes stay in its page until VACUUM reuses it — a backup
 * taken with pg_dump copies rows, not pages, so it does not hold them), and there is no FTS5
 * index to merge.
 */
export class SqlWorkspacePurgeStore implements AsyncWorkspacePurgeStore {
  constructor(private readonly db: SqlDatabase) {}

  get #sqlite(): boolean {
    return this.db.dialect.name === 'sqlite';
  }

  async #schema(): Promise<PurgeSchema> {
    const columns = this.#sqlite
      ? await this.db.all<{ tableName: string; columnName: string }>(
          `SELECT m.name AS "tableName", c.name AS "columnName"
             FROM sqlite_master m JOIN pragma_table_info(m.name) c
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
              AND m.sql NOT LIKE 'CREATE VIRTUAL%'`,
        )
      : await this.db.all<{ tableName: string; columnName: string }>(
          `SELECT c.table_name AS "tableName", c.column_name AS "columnName"
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
        );
    const references = this.#sqlite
      ? await this.db.all<{ child: string; parent: string }>(
          `SELECT m.name AS child, f."table" AS parent
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
            WHERE m.type = 'table'`,
        )
      : await this.db.all<{ child: string; parent: string }>(
          `SELECT c.relname AS child, p.relname AS parent
             FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_class p ON p.oid = k.confrelid
            WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace`,
        );
    const byTable = new Map<string, Set<string>>();
    for (const { tableName, columnName } of columns) {
      let set = byTable.get(tableName);
      if (!set) byTable.set(tableName, (set = new Set()));
      set.add(columnName);
    }
    const workspaceTables: string[] = [];
    const docTables: string[] = [];
    for (const [table, cols] of [...byTable].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (cols.has('workspace_id')) {
        if (!KEPT_TABLES.has(table)) workspaceTables.push(table);
      } else if (cols.has('doc_id') && !table.startsWith('snapshot_')) {
        // Snapshot rows go with their snapshot, which holds the workspace id.
        docTables.push(table);
      }
    }
    return {
      workspaceTables,
      docTables,
      references: references.map((r) => [r.child, r.parent] as const),
    };
  }

  async customerOf(workspaceId: string): Promise<string | null> {
    const row = await this.db.get<{ customer_id: string }>(
      'SELECT customer_id FROM workspaces WHERE id = ?',
      [workspaceId],
    );
    return row?.customer_id ?? null;
  }

  async purgeRows(workspaceId: string, fence?: LeaseFence | null): Promise<PurgedRows> {
    const { db } = this;
    const tables: Record<string, number> = {};
    const files = (
      await db.all<{ sha256: string }>(
        'SELECT sha256 FROM workspace_blobs WHERE workspace_id = ?',
        [workspaceId],
      )
    ).map((r) => r.sha256);
    await db.transaction(async () => {
      // First: a sweeper paused past its lease's TTL deletes nothing after the next holder.
      await checkSqlFence(db, fence);
      const schema = await this.#schema();
      const states = await db.all<{ hash: string }>(
        `SELECT DISTINCT d.hash FROM snapshot_docs d JOIN snapshots s ON s.id = d.snapshot_id
          WHERE s.workspace_id = ?`,
        [workspaceId],
      );
      const docRows = 'doc_id IN (SELECT doc_id FROM docs WHERE workspace_id = ?)';
      for (const table of referencesFirst(schema.docTables, schema.references)) {
        tables[table] = (
          await db.run(`DELETE FROM "${table}" WHERE ${docRows}`, [workspaceId])
        ).changes;
      }
      const rest = schema.workspaceTables.filter((t) => !TRIGGER_COUNTERS.has(t));
      const counters = schema.workspaceTables.filter((t) => TRIGGER_COUNTERS.has(t));
      for (const table of [...referencesFirst(rest, schema.references), ...counters]) {
        tables[table] = (
          await db.run(`DELETE FROM "${table}" WHERE workspace_id = ?`, [workspaceId])
        ).changes;
      }
      tables.workspaces = (
        await db.run('DELETE FROM workspaces WHERE id = ?', [workspaceId])
      ).changes;
      // Content-addressed, shared between workspaces: only what nothing references any more.
      tables.snapshot_blobs = (
        await this.#dropUnused(
          states.map((s) => s.hash),
          { table: 'snapshot_blobs', key: 'hash' },
          { table: 'snapshot_docs', key: 'hash' },
        )
      ).length;
    });
    const orphanBlobs = await db.transaction(() =>
      this.#dropUnused(
        files,
        { table: 'blobs', key: 'sha256' },
        { table: 'workspace_blobs', key: 'sha256' },
      ),
    );
    tables.blobs = orphanBlobs.length;
    return { tables, orphanBlobs };
  }

  /** Deletes each of `keys` from `blobs` unless `users` still has a row on it; returns them. */
  async #dropUnused(
    keys: readonly string[],
    blobs: { table: string; key: string },
    users: { table: string; key: string },
  ): Promise<string[]> {
    const dropped: string[] = [];
    for (const key of [...keys].sort()) {
      const locked = await this.db.get(
        selectForUpdate(this.db, `SELECT ${blobs.key} FROM ${blobs.table} WHERE ${blobs.key} = ?`),
        [key],
      );
      if (!locked) continue;
      const used = await this.db.get(
        `SELECT 1 AS used FROM ${users.table} WHERE ${users.key} = ? LIMIT 1`,
        [key],
      );
      if (used) continue;
      await this.db.run(`DELETE FROM ${blobs.table} WHERE ${blobs.key} = ?`, [key]);
      dropped.push(key);
    }
    return dropped;
  }

  async purgeAudit(workspaceId: string, fence?: LeaseFence | null): Promise<number> {
    // Joins the caller's transaction (ambient), which records the purge after this.
    return this.db.transaction(async () => {
      await checkSqlFence(this.db, fence);
      const result = await this.db.run(
        'DELETE FROM audit_log WHERE workspace_id = ? AND action NOT LIKE ?',
        [workspaceId, `${KEPT_AUDIT_ACTION_PREFIX}%`],
      );
      return result.changes;
    });
  }

  async recordPurge(record: PurgeRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO purged_workspaces (workspace_id, customer_id, reason, requested_at, purged_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET purged_at = excluded.purged_at`,
      [record.workspaceId, record.customerId, record.reason, record.requestedAt, record.purgedAt],
    );
  }

  async purged(workspaceId: string): Promise<PurgeRecord | null> {
    const row = await this.db.get<PurgeRecord>(
      `SELECT workspace_id AS "workspaceId", customer_id AS "customerId", reason,
              requested_at AS "requestedAt", purged_at AS "purgedAt"
         FROM purged_workspaces WHERE workspace_id = ?`,
      [workspaceId],
    );
    return row ?? null;
  }

  async overview(limit: number): Promise<{ pending: PendingOverview[]; purged: PurgeRecord[] }> {
    const pending = await this.db.all<PendingOverview>(
      `SELECT d.workspace_id AS "workspaceId", w.slug, w.name, d.reason,
              d.requested_at AS "requestedAt", d.purge_after AS "purgeAfter"
         FROM workspace_deletions d JOIN workspaces w ON w.id = d.workspace_id
        ORDER BY d.purge_after, d.workspace_id`,
    );
    const purged = await this.db.all<PurgeRecord>(
      `SELECT workspace_id AS "workspaceId", customer_id AS "customerId", reason,
              requested_at AS "requestedAt", purged_at AS "purgedAt"
         FROM purged_workspaces ORDER BY purged_at DESC, workspace_id LIMIT ?`,
      [limit],
    );
    return { pending, purged };
  }

  async secureDelete(on: boolean): Promise<void> {
    if (this.#sqlite) await this.db.run(`PRAGMA secure_delete = ${on ? 'ON' : 'OFF'}`);
  }

  async mergeSearchIndex(): Promise<boolean> {
    if (!this.#sqlite) return false;
    // FTS5 reports the leaf pages a merge wrote through total_changes(): fewer than two, done.
    const changes = async () =>
      (await this.db.get<{ n: number }>('SELECT total_changes() AS n'))?.n ?? 0;
    const before = await changes();
    await this.db.run(
      `INSERT INTO search_tickets_fts (search_tickets_fts, rank) VALUES ('merge', -${SEARCH_MERGE_PAGES})`,
    );
    return (await changes()) - before >= 2;
  }

  async searchMergeBound(): Promise<number> {
    if (!this.#sqlite) return 0;
    const rows = await this.db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM search_tickets_fts_data',
    );
    return 8 * Math.ceil((rows?.n ?? 0) / SEARCH_MERGE_PAGES) + 64;
  }

  async checkpoint(): Promise<void> {
    if (this.#sqlite) await this.db.get('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  async tablesHolding(workspaceId: string): Promise<string[]> {
    const schema = await this.#schema();
    const held: string[] = [];
    for (const table of schema.workspaceTables) {
      const row = await this.db.get(
        `SELECT 1 AS held FROM "${table}" WHERE workspace_id = ? LIMIT 1`,
        [workspaceId],
      );
      if (row) held.push(table);
    }
    const docIds = `${workspaceId}:%`;
    const docTables = [...schema.docTables, 'snapshot_docs'];
    const docs = await this.db.get(
      `${docTables.map((t) => `SELECT 1 AS held FROM "${t}" WHERE doc_id LIKE ?`).join(' UNION ALL ')} LIMIT 1`,
      docTables.map(() => docIds),
    );
    if (docs) held.push('documents');
    if (await this.db.get('SELECT 1 AS held FROM workspaces WHERE id = ?', [workspaceId])) {
      held.push('workspaces');
    }
    return held;
  }
}

/**
 * `tables` in an order that deletes a table's rows before those of the tables it references
 * (ties by name; a cycle is broken by name order).
 */
export function referencesFirst(
  tables: readonly string[],
  references: readonly (readonly [string, string])[],
): string[] {
  const left = new Set(tables);
  const order: string[] = [];
  while (left.size > 0) {
    const sorted = [...left].sort();
    const free = sorted.find(
      (table) =>
        !references.some(
          ([child, parent]) => parent === table && child !== table && left.has(child),
        ),
    );
    const next = free ?? sorted[0]!;
    order.push(next);
    left.delete(next);
  }
  return order;
}
