import type { SqliteDatabase } from '../db/Database.ts';
import type { LeaseFence } from '../store/DocStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/**
 * Tables with a `workspace_id` column whose rows outlive a purge: the operator's own records,
 * which hold ids, reasons and times, never customer content. The audit log is purged apart
 * (`purgeAudit`): the entries about the deletion itself stay.
 */
export const KEPT_TABLES: ReadonlySet<string> = new Set([
  'audit_log',
  'billing_events',
  // The store's refusal of appends to a purged workspace (DocStore.closeWorkspace).
  'closed_workspaces',
  'purged_workspaces',
  'workspace_purge_warnings',
]);

/** Audit actions kept for a purged workspace: the deletion's own steps (ids, times, reason). */
export const KEPT_AUDIT_ACTION_PREFIX = 'workspace.deletion_';

/**
 * Leaf pages of the search index one merge slice writes (FTS5 'merge'; negative: merge even
 * below the automerge threshold). ~15 ms per slice on 40,000 rows. @default 16
 */
const SEARCH_MERGE_PAGES = 16;

export interface PurgedRows {
  /** Rows deleted per table (for the log and the audit entry). */
  tables: Record<string, number>;
  /** Attachments no other workspace uses any more: their files go too. */
  orphanBlobs: string[];
}

export interface PurgeRecord {
  workspaceId: string;
  customerId: string;
  reason: string;
  requestedAt: number | null;
  purgedAt: number;
}

export interface PendingOverview {
  workspaceId: string;
  slug: string;
  name: string;
  reason: string;
  requestedAt: number;
  purgeAfter: number;
}

/**
 * The SQL of a workspace's purge (issue 16): every row of every table that has a
 * `workspace_id` column — found in the schema, so a table added later is purged without
 * being listed here — the snapshot blobs and attachments nothing else uses, and its audit
 * entries but the deletion's own. Documents and their update log go first through the sync
 * engine (its rooms must be dropped too), not here. Deleted bytes are overwritten, not just
 * unlinked (`secureDelete`; the full-text index has FTS5's own secure-delete, migration 21),
 * so backups made afterwards do not contain them — without a VACUUM, which would hold the
 * only write connection for as long as rewriting the whole file takes.
 */
export interface WorkspacePurgeStore {
  /** The workspace's customer, or null when the workspace row is gone. */
  customerOf(workspaceId: string): string | null;
  /**
   * Deletes every row of the workspace in one transaction; see the interface comment.
   * `fence`: the deletion sweep's lease on a cluster — refused with `StaleFenceError`
   * (nothing deleted) once a later holder of the lease has written (`lease_fences`); SQLite,
   * one process, ignores it.
   */
  purgeRows(workspaceId: string, fence?: LeaseFence | null): PurgedRows;
  /**
   * Keeps only the deletion's own audit entries of the workspace; in the caller's
   * transaction, which records the purge after it. `fence` as for `purgeRows`: a stale
   * sweeper neither records the purge again nor mails the owner again.
   */
  purgeAudit(workspaceId: string, fence?: LeaseFence | null): number;
  /** The operator's record that the workspace existed and was purged. */
  recordPurge(record: PurgeRecord): void;
  purged(workspaceId: string): PurgeRecord | null;
  /**
   * The operator console's list: pending deletions with the workspace's slug and name,
   * soonest purge first, and the latest `limit` purge records, newest first.
   */
  overview(limit: number): { pending: PendingOverview[]; purged: PurgeRecord[] };
  /**
   * While on, every row deleted on this connection is overwritten with zeros in its page,
   * and freed pages too (SQLite's `secure_delete`), so the database file — and any copy of
   * it made later, a backup — no longer holds the purged bytes. Left on only for a purge:
   * it costs I/O on every delete.
   */
  secureDelete(on: boolean): void;
  /**
   * One slice of merging the ticket search index's segments; true while there was work.
   * FTS5 keeps a deleted row's words in its segments (with a delete marker beside them)
   * until the segments holding both are merged: a purge runs this until it answers false,
   * so no segment — and no backup — still holds the purged rows' words.
   */
  mergeSearchIndex(): boolean;
  /** Slices `mergeSearchIndex` needs at most to merge the whole index once, as it is now. */
  searchMergeBound(): number;
  /** Folds the write-ahead log into the main file and empties it (old page images go). */
  checkpoint(): void;
  /** Tables (other than the kept ones) still holding a row of the workspace (tests). */
  tablesHolding(workspaceId: string): string[];
}

/** The purge store as callers see it once PostgreSQL may be behind it (`SqlWorkspacePurgeStore`). */
export type AsyncWorkspacePurgeStore = AsyncStore<WorkspacePurgeStore>;

export class SqliteWorkspacePurgeStore implements WorkspacePurgeStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Tables with a `workspace_id` column, from the live schema. */
  #workspaceTables(): string[] {
    const tables = this.db
      .prepare(
        `SELECT name FROM sqlite_master
          WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'`,
      )
      .pluck()
      .all() as string[];
    return tables.filter((table) =>
      (this.db.pragma(`table_info("${table}")`) as { name: string }[]).some(
        (column) => column.name === 'workspace_id',
      ),
    );
  }

  customerOf(workspaceId: string): string | null {
    return (
      (this.db
        .prepare('SELECT customer_id FROM workspaces WHERE id = ?')
        .pluck()
        .get(workspaceId) as string | undefined) ?? null
    );
  }

  purgeRows(workspaceId: string): PurgedRows {
    const { db } = this;
    const tables: Record<string, number> = {};
    const blobs = db
      .prepare('SELECT sha256 FROM workspace_blobs WHERE workspace_id = ?')
      .pluck()
      .all(workspaceId) as string[];
    db.transaction(() => {
      // Rows reference each other (memberships → workspaces, …): checked at commit instead.
      db.pragma('defer_foreign_keys = ON');
      // Documents not already gone through the sync engine (a doc written in the meantime).
      const docRows = `SELECT doc_id FROM docs WHERE workspace_id = ?`;
      for (const table of ['doc_updates', 'doc_state_chunks', 'doc_states']) {
        tables[table] = db
          .prepare(`DELETE FROM ${table} WHERE doc_id IN (${docRows})`)
          .run(workspaceId).changes;
      }
      // Snapshot rows first: their documents and restore items cascade from them.
      const ordered = this.#workspaceTables()
        .filter((t) => !KEPT_TABLES.has(t))
        .sort((a, b) => rank(a) - rank(b));
      for (const table of ordered) {
        tables[table] = db
          .prepare(`DELETE FROM "${table}" WHERE workspace_id = ?`)
          .run(workspaceId).changes;
      }
      tables.workspaces = db
        .prepare('DELETE FROM workspaces WHERE id = ?')
        .run(workspaceId).changes;
      // Content-addressed, shared between workspaces: only what nothing references any more.
      tables.snapshot_blobs = db
        .prepare('DELETE FROM snapshot_blobs WHERE hash NOT IN (SELECT hash FROM snapshot_docs)')
        .run().changes;
    })();
    const stillUsed = db.prepare('SELECT 1 FROM workspace_blobs WHERE sha256 = ?');
    const dropBlob = db.prepare('DELETE FROM blobs WHERE sha256 = ?');
    const orphanBlobs = db.transaction(() =>
      blobs.filter((sha256) => {
        if (stillUsed.get(sha256) !== undefined) return false;
        dropBlob.run(sha256);
        return true;
      }),
    )();
    tables.blobs = orphanBlobs.length;
    return { tables, orphanBlobs };
  }

  purgeAudit(workspaceId: string): number {
    return this.db
      .prepare(`DELETE FROM audit_log WHERE workspace_id = ? AND action NOT LIKE ?`)
      .run(workspaceId, `${KEPT_AUDIT_ACTION_PREFIX}%`).changes;
  }

  recordPurge(record: PurgeRecord): void {
    this.db
      .prepare(
        `INSERT INTO purged_workspaces (workspace_id, customer_id, reason, requested_at, purged_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id) DO UPDATE SET purged_at = excluded.purged_at`,
      )
      .run(
        record.workspaceId,
        record.customerId,
        record.reason,
        record.requestedAt,
        record.purgedAt,
      );
  }

  purged(workspaceId: string): PurgeRecord | null {
    const row = this.db
      .prepare(
        `SELECT workspace_id AS workspaceId, customer_id AS customerId, reason,
                requested_at AS requestedAt, purged_at AS purgedAt
           FROM purged_workspaces WHERE workspace_id = ?`,
      )
      .get(workspaceId) as PurgeRecord | undefined;
    return row ?? null;
  }

  overview(limit: number): { pending: PendingOverview[]; purged: PurgeRecord[] } {
    const pending = this.db
      .prepare(
        `SELECT d.workspace_id AS workspaceId, w.slug, w.name, d.reason,
                d.requested_at AS requestedAt, d.purge_after AS purgeAfter
           FROM workspace_deletions d JOIN workspaces w ON w.id = d.workspace_id
          ORDER BY d.purge_after, d.workspace_id`,
      )
      .all() as PendingOverview[];
    const purged = this.db
      .prepare(
        `SELECT workspace_id AS workspaceId, customer_id AS customerId, reason,
                requested_at AS requestedAt, purged_at AS purgedAt
           FROM purged_workspaces ORDER BY purged_at DESC, workspace_id LIMIT ?`,
      )
      .all(limit) as PurgeRecord[];
    return { pending, purged };
  }

  secureDelete(on: boolean): void {
    this.db.pragma(`secure_delete = ${on ? 'ON' : 'OFF'}`);
  }

  mergeSearchIndex(): boolean {
    // FTS5 reports the leaf pages a merge wrote through total_changes(): fewer than two, done.
    const before = this.db.prepare('SELECT total_changes()').pluck().get() as number;
    this.db
      .prepare(
        `INSERT INTO search_tickets_fts (search_tickets_fts, rank) VALUES ('merge', -${SEARCH_MERGE_PAGES})`,
      )
      .run();
    const after = this.db.prepare('SELECT total_changes()').pluck().get() as number;
    return after - before >= 2;
  }

  searchMergeBound(): number {
    const rows = this.db.prepare('SELECT COUNT(*) FROM search_tickets_fts_data').pluck().get();
    // Each slice writes SEARCH_MERGE_PAGES leaf pages; a merge rewrites each page at most a
    // few times (once per level it climbs): ample, yet finite while writes keep coming.
    return 8 * Math.ceil((rows as number) / SEARCH_MERGE_PAGES) + 64;
  }

  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  tablesHolding(workspaceId: string): string[] {
    const held = this.#workspaceTables().filter(
      (table) =>
        !KEPT_TABLES.has(table) &&
        this.db.prepare(`SELECT 1 FROM "${table}" WHERE workspace_id = ? LIMIT 1`).get(workspaceId),
    );
    const docs = this.db
      .prepare(
        `SELECT 1 FROM doc_updates WHERE doc_id LIKE ? UNION ALL
         SELECT 1 FROM doc_states WHERE doc_id LIKE ? UNION ALL
         SELECT 1 FROM snapshot_docs WHERE doc_id LIKE ? LIMIT 1`,
      )
      .get(`${workspaceId}:%`, `${workspaceId}:%`, `${workspaceId}:%`);
    if (docs) held.push('documents');
    if (this.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(workspaceId)) {
      held.push('workspaces');
    }
    return held;
  }
}

/**
 * Counters kept by triggers on other tables (documents, files): deleting those rows writes
 * to them again (a doc deleted here re-adds its negative bytes), so they go last.
 */
export const TRIGGER_COUNTERS: ReadonlySet<string> = new Set([
  'workspace_doc_bytes',
  'workspace_file_bytes',
  'workspace_ticket_counts',
]);

/**
 * Snapshots before the rest so their cascades run while their rows still exist; the
 * trigger-kept counters after the documents.
 */
function rank(table: string): number {
  if (table === 'snapshots' || table === 'snapshot_restores') return 0;
  if (table === 'docs') return 2;
  if (TRIGGER_COUNTERS.has(table)) return 3;
  return 1;
}
