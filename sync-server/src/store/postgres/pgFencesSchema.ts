import type { PgMigration } from './pgMigrations.ts';

/** SQLSTATE `desk_append` raises for an append to a closed workspace (its own class, DK). */
export const WORKSPACE_CLOSED_SQLSTATE = 'DK001';

/**
 * Writes a process must not make once another has moved on (issue 19):
 *
 * - `closed_workspaces` (SQLite migration 28): workspaces whose purge has begun
 *   (`PgDocStore.closeWorkspace`). `desk_append` reads it after it has bumped — and so
 *   locked — the batch's `workspace_seq` rows, in a statement of its own (READ COMMITTED: a
 *   fresh snapshot), and `closeWorkspace` inserts its row while holding the same row lock:
 *   an append either committed before the closure (the purge lists its doc afterwards and
 *   deletes it) or waits for it and then sees the row, and raises `DK001` naming the closed
 *   workspaces — nothing of its batch is stored.
 * - `lease_fences`: the highest fence seen per lease name (`compact:<docId>`, `search`,
 *   `deletion-sweep`, `snapshots:<workspaceId>`: store/leaseFences.ts). A write under
 *   a lease raises it to its own fence or is refused when it is already higher, in the
 *   write's transaction, under the row's lock.
 */
export const pgFencesSchema: PgMigration = {
  version: 12,
  name: 'fences',
  sql: `
    CREATE TABLE closed_workspaces (
      workspace_id text PRIMARY KEY,
      closed_at    bigint NOT NULL
    );

    CREATE TABLE lease_fences (
      name  text PRIMARY KEY,
      fence bigint NOT NULL
    );

    CREATE OR REPLACE FUNCTION desk_append(p_docs text[], p_workspaces text[], p_updates bytea[], p_at bigint)
    RETURNS TABLE (r_seq bigint, r_log_id bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_ws     text[];
      v_top    bigint[];
      v_ids    bigint[];
      v_seqs   bigint[];
      v_closed text[];
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
};
