import { WORKSPACE_CLOSED_SQLSTATE } from './pgFencesSchema.ts';
import type { PgMigration } from './pgMigrations.ts';

/** SQLSTATE `desk_append` raises for an append to a closed private doc (class DK). */
export const DOC_CLOSED_SQLSTATE = 'DK002';

/**
 * `closed_docs` (SQLite migration 31): a deleted account's private docs
 * (`PgDocStore.closeDocs`). `desk_append` (version 14's, with each update's number) is replaced by one that, after the closed
 * workspaces, reads it for the batch's private docs (`<workspace>:user:<uid>`, the only ones
 * ever closed) and raises `DK002` naming them — nothing of the batch is stored. The closure
 * takes the docs' `workspace_seq` row locks first, as `closeWorkspace` does: an append
 * either committed before it (the account deletion then deletes what it stored) or waits for
 * it and sees the rows.
 */
export const pgClosedDocsSchema: PgMigration = {
  version: 16,
  name: 'closed_docs',
  sql: `
    CREATE TABLE closed_docs (
      doc_id    text PRIMARY KEY,
      closed_at bigint NOT NULL
    );

    CREATE OR REPLACE FUNCTION desk_append(p_docs text[], p_workspaces text[], p_updates bytea[], p_at bigint)
    RETURNS TABLE (r_seq bigint, r_log_id bigint, r_stored bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_ws     text[];
      v_top    bigint[];
      v_ids    bigint[];
      v_seqs   bigint[];
      v_closed text[];
      v_docs   text[];
      v_totals bigint[];
      v_stored bigint[];
      v_closed_docs text[];
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

      -- After the bump, in a statement of its own: the sequence rows are locked now, so a
      -- closure that held them has committed and this snapshot sees it.
      SELECT array_agg(c.workspace_id ORDER BY c.workspace_id) INTO v_closed
        FROM closed_workspaces c WHERE c.workspace_id = ANY (v_ws);
      IF v_closed IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '${WORKSPACE_CLOSED_SQLSTATE}',
          MESSAGE = 'workspace closed', DETAIL = array_to_string(v_closed, ' ');
      END IF;

      -- A deleted account's private docs (closed_docs), in the same statement position: a
      -- closure holds the docs' sequence rows too. Only private docs are looked up: a batch
      -- of tickets and indexes probes nothing.
      SELECT array_agg(c.doc_id ORDER BY c.doc_id) INTO v_closed_docs
        FROM closed_docs c
        WHERE c.doc_id = ANY (ARRAY(
          SELECT DISTINCT d FROM unnest(p_docs) AS d WHERE strpos(d, ':user:') > 0));
      IF v_closed_docs IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '${DOC_CLOSED_SQLSTATE}',
          MESSAGE = 'doc closed', DETAIL = array_to_string(v_closed_docs, ' ');
      END IF;

      WITH inserted AS (
        INSERT INTO doc_updates (doc_id, data)
        SELECT d, u FROM unnest(p_docs, p_updates) WITH ORDINALITY AS t(d, u, i) ORDER BY i
        RETURNING id
      )
      SELECT array_agg(id ORDER BY id) INTO v_ids FROM inserted;

      SELECT array_agg(x.seq ORDER BY x.i) INTO v_seqs FROM (
        SELECT t.i,
               tops.top - cnt.n + row_number() OVER (PARTITION BY t.w ORDER BY t.i) AS seq
        FROM unnest(p_workspaces) WITH ORDINALITY AS t(w, i)
        JOIN unnest(v_ws, v_top) AS tops(w, top) ON tops.w = t.w
        JOIN (SELECT w, count(*)::bigint AS n FROM unnest(p_workspaces) AS w GROUP BY w) AS cnt
          ON cnt.w = t.w
      ) AS x;

      WITH heads AS (
        INSERT INTO docs AS d
          (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at, updates_stored)
        SELECT t.d, min(t.w), max(t.s), count(*), sum(octet_length(t.u)), p_at, count(*)
        FROM unnest(p_docs, p_workspaces, p_updates, v_seqs) AS t(d, w, u, s)
        GROUP BY t.d ORDER BY t.d
        ON CONFLICT (doc_id) DO UPDATE SET
          last_seq = excluded.last_seq,
          log_count = d.log_count + excluded.log_count,
          log_bytes = d.log_bytes + excluded.log_bytes,
          updated_at = excluded.updated_at,
          updates_stored = d.updates_stored + excluded.updates_stored
        RETURNING d.doc_id, d.updates_stored
      )
      SELECT array_agg(h.doc_id), array_agg(h.updates_stored) INTO v_docs, v_totals FROM heads h;

      -- Each update's number within its doc: the doc's block (total - count + 1 .. total),
      -- in batch order, as its log rows were inserted.
      SELECT array_agg(x.n ORDER BY x.i) INTO v_stored FROM (
        SELECT t.i,
               tot.total - cnt.n + row_number() OVER (PARTITION BY t.d ORDER BY t.i) AS n
        FROM unnest(p_docs) WITH ORDINALITY AS t(d, i)
        JOIN unnest(v_docs, v_totals) AS tot(d, total) ON tot.d = t.d
        JOIN (SELECT d, count(*)::bigint AS n FROM unnest(p_docs) AS d GROUP BY d) AS cnt
          ON cnt.d = t.d
      ) AS x;

      RETURN QUERY SELECT v_seqs[k], v_ids[k], v_stored[k]
        FROM generate_subscripts(v_seqs, 1) AS k ORDER BY k;
    END $$;
  `,
};
