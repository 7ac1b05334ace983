import { pgAdminSchema } from './pgAdminSchema.ts';
import { pgAuthSchema } from './pgAuthSchema.ts';
import { pgBlobsSchema } from './pgBlobsSchema.ts';
import { pgControlPlaneSchema } from './pgControlPlaneSchema.ts';
import { pgExportsSchema } from './pgExportsSchema.ts';
import { pgClosedDocsSchema } from './pgClosedDocsSchema.ts';
import { pgFencesSchema } from './pgFencesSchema.ts';
import { pgModerationVersionsSchema } from './pgModerationVersionsSchema.ts';
import { pgSearchSchema } from './pgSearchSchema.ts';
import { pgSnapshotsSchema } from './pgSnapshotsSchema.ts';
import { pgSocketPathSchema } from './pgSocketPathSchema.ts';
import { pgStateChunksSchema } from './pgStateChunksSchema.ts';
import { pgSupportGrantsSchema } from './pgSupportGrantsSchema.ts';
import { pgUpdateCountsSchema } from './pgUpdateCountsSchema.ts';
import type { PgPool } from './PgPool.ts';

/**
 * The PostgreSQL schema, versioned like the SQLite one (db/migrations/): a step never
 * changes once released. Numbered on their own — PostgreSQL holds only what has moved to
 * it so far (the documents, then the control plane); the SQLite numbers stay the embedded
 * schema's.
 */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const isTicket = (row: string) =>
  `substr(${row}.doc_id, length(${row}.workspace_id) + 1, 8) = ':ticket:'`;

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'documents',
    // The documents as SQLite keeps them (migrations 0003, 0009, 0015, 0017): a doc's
    // merged state (doc_states), the updates logged after it (doc_updates), its head row
    // (docs: latest workspace sequence, log totals) and each workspace's change sequence.
    // The state is one bytea (TOASTed out of line), never rewritten by an append.
    sql: `
      CREATE TABLE meta (
        key   text PRIMARY KEY,
        value text NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('store_generation', gen_random_uuid()::text);

      CREATE TABLE docs (
        doc_id       text PRIMARY KEY,
        workspace_id text NOT NULL,
        last_seq     bigint NOT NULL,
        log_count    bigint NOT NULL DEFAULT 0,
        log_bytes    bigint NOT NULL DEFAULT 0,
        updated_at   bigint NOT NULL
      );
      CREATE INDEX docs_workspace_seq ON docs (workspace_id, last_seq);

      CREATE TABLE doc_updates (
        id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        doc_id text NOT NULL,
        data   bytea NOT NULL
      );
      CREATE INDEX doc_updates_doc ON doc_updates (doc_id, id);

      CREATE TABLE doc_states (
        doc_id         text PRIMARY KEY REFERENCES docs (doc_id) ON DELETE CASCADE,
        state          bytea NOT NULL,
        bytes          bigint NOT NULL,
        through_log_id bigint NOT NULL
      );

      CREATE TABLE workspace_seq (
        workspace_id text PRIMARY KEY,
        seq          bigint NOT NULL
      );

      -- Kept by triggers on docs, as in SQLite (0017): an upsert that finds its row takes
      -- the UPDATE path, and PostgreSQL fires AFTER INSERT row triggers only for rows
      -- actually inserted, so only a new ticket doc counts.
      CREATE TABLE workspace_ticket_counts (
        workspace_id text PRIMARY KEY,
        tickets      bigint NOT NULL
      );
      CREATE FUNCTION docs_ticket_added() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO workspace_ticket_counts (workspace_id, tickets) VALUES (NEW.workspace_id, 1)
          ON CONFLICT (workspace_id)
          DO UPDATE SET tickets = workspace_ticket_counts.tickets + 1;
        RETURN NULL;
      END $$;
      CREATE FUNCTION docs_ticket_removed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE workspace_ticket_counts SET tickets = tickets - 1
          WHERE workspace_id = OLD.workspace_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER docs_ticket_added AFTER INSERT ON docs
        FOR EACH ROW WHEN (${isTicket('NEW')}) EXECUTE FUNCTION docs_ticket_added();
      CREATE TRIGGER docs_ticket_removed AFTER DELETE ON docs
        FOR EACH ROW WHEN (${isTicket('OLD')}) EXECUTE FUNCTION docs_ticket_removed();
    `,
  },
  {
    version: 2,
    name: 'append_function',
    // An append in one round trip: the statements PgDocStore.append ran one by one (BEGIN,
    // three statements, COMMIT: five round trips), in the same order — the workspaces'
    // sequence rows first, locked in workspace order; then the log rows, in batch order;
    // then the doc heads, in doc order — as one function call, one transaction. The order
    // matters: a doc's log ids must follow its commits (compaction folds "through a log id").
    sql: `
      CREATE FUNCTION desk_append(p_docs text[], p_workspaces text[], p_updates bytea[], p_at bigint)
      RETURNS TABLE (r_seq bigint, r_log_id bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_ws   text[];
        v_top  bigint[];
        v_ids  bigint[];
        v_seqs bigint[];
      BEGIN
        WITH counted AS (
          SELECT w, count(*)::bigint AS n FROM unnest(p_workspaces) AS w GROUP BY w
        ), bumped AS (
          INSERT INTO workspace_seq AS s (workspace_id, seq)
          SELECT w, n FROM counted ORDER BY w
          ON CONFLICT (workspace_id) DO UPDATE SET seq = s.seq + excluded.seq
          RETURNING s.workspace_id, s.seq
        )
        SELECT array_agg(b.workspace_id), array_agg(b.seq) INTO v_ws, v_top FROM bumped b;

        WITH inserted AS (
          INSERT INTO doc_updates (doc_id, data)
          SELECT d, u FROM unnest(p_docs, p_updates) WITH ORDINALITY AS t(d, u, i) ORDER BY i
          RETURNING id
        )
        SELECT array_agg(id ORDER BY id) INTO v_ids FROM inserted;

        -- Each update's sequence: its workspace's block (top - count + 1 .. top), in batch order.
        SELECT array_agg(x.seq ORDER BY x.i) INTO v_seqs FROM (
          SELECT t.i,
                 tops.top - cnt.n + row_number() OVER (PARTITION BY t.w ORDER BY t.i) AS seq
          FROM unnest(p_workspaces) WITH ORDINALITY AS t(w, i)
          JOIN unnest(v_ws, v_top) AS tops(w, top) ON tops.w = t.w
          JOIN (SELECT w, count(*)::bigint AS n FROM unnest(p_workspaces) AS w GROUP BY w) AS cnt
            ON cnt.w = t.w
        ) AS x;

        INSERT INTO docs AS d (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
        SELECT t.d, min(t.w), max(t.s), count(*), sum(octet_length(t.u)), p_at
        FROM unnest(p_docs, p_workspaces, p_updates, v_seqs) AS t(d, w, u, s)
        GROUP BY t.d ORDER BY t.d
        ON CONFLICT (doc_id) DO UPDATE SET
          last_seq = excluded.last_seq,
          log_count = d.log_count + excluded.log_count,
          log_bytes = d.log_bytes + excluded.log_bytes,
          updated_at = excluded.updated_at;

        RETURN QUERY SELECT v_seqs[k], v_ids[k] FROM generate_subscripts(v_seqs, 1) AS k ORDER BY k;
      END $$;
    `,
  },
  pgControlPlaneSchema,
  pgSupportGrantsSchema,
  pgSocketPathSchema,
  pgAuthSchema,
  pgExportsSchema,
  pgAdminSchema,
  pgSnapshotsSchema,
  pgSearchSchema,
  pgBlobsSchema,
  pgFencesSchema,
  pgStateChunksSchema,
  pgUpdateCountsSchema,
  pgModerationVersionsSchema,
  pgClosedDocsSchema,
];

/** Key of the advisory lock that lets one process of a cluster migrate at a time. */
const migrationLockKey = 0x6465736b; // 'desk'

/**
 * Brings the schema up to date in one transaction, under a transaction-level advisory
 * lock: processes starting together migrate one after another, and the later ones find
 * nothing left to do. Returns the versions applied.
 */
export async function migratePg(
  pool: PgPool,
  all: readonly PgMigration[] = pgMigrations,
): Promise<number[]> {
  return pool.inTransaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at bigint NOT NULL
      )`);
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT MAX(version) AS v FROM schema_migrations',
    );
    const current = rows[0]?.v ?? 0;
    const known = Math.max(0, ...all.map((m) => m.version));
    if (current > known) {
      throw new Error(
        `The PostgreSQL schema is at version ${current}, but this build only knows versions ` +
          `up to ${known}: it was written by a newer release. Nothing is changed.`,
      );
    }
    const applied: number[] = [];
    for (const migration of [...all].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, Date.now()],
      );
      applied.push(migration.version);
    }
    return applied;
  });
}
