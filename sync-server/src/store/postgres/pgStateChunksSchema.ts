import type { PgMigration } from './pgMigrations.ts';

/** Bytes per chunk of a merged state when version 13 splits the states stored before it. */
const migratedChunkBytes = 256 * 1024;

/**
 * A doc's merged state in chunks (issue 13 on a cluster), as SQLite keeps it (0009, 0013):
 * one bytea of 20 MB was a long event-loop turn to build and to parse (hex, 40 MB of text)
 * and a value TOAST rewrote whole on every compaction.
 *
 * `doc_state_chunks` holds each state's chunks under a generation number from the
 * `doc_state_generations` sequence; `doc_states.generation` names the current one. A
 * compaction writes its chunks under a fresh generation, then switches `doc_states` to it and
 * deletes the replaced generation's chunks, all in one transaction: a reader sees the old
 * state and its log or the new one and the rest of the log, never a mix. The chunks go with
 * their doc (ON DELETE CASCADE), stored EXTERNAL (out of line, not compressed: a compaction
 * must not spend the database's CPU on compressing what it rewrites anyway).
 *
 * States stored before (the `state` column) are split into chunks here, in the migration's
 * transaction, and the column is dropped: one form to read from then on.
 */
export const pgStateChunksSchema: PgMigration = {
  version: 13,
  name: 'doc_state_chunks',
  sql: `
    CREATE SEQUENCE doc_state_generations;

    CREATE TABLE doc_state_chunks (
      doc_id     text NOT NULL REFERENCES docs (doc_id) ON DELETE CASCADE,
      generation bigint NOT NULL,
      idx        integer NOT NULL,
      data       bytea NOT NULL,
      PRIMARY KEY (doc_id, generation, idx)
    );
    ALTER TABLE doc_state_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

    ALTER TABLE doc_states
      ADD COLUMN generation bigint,
      ADD COLUMN chunks integer;
    UPDATE doc_states SET
      generation = nextval('doc_state_generations'),
      chunks = GREATEST(1, (octet_length(state) + ${migratedChunkBytes} - 1) / ${migratedChunkBytes});
    INSERT INTO doc_state_chunks (doc_id, generation, idx, data)
      SELECT s.doc_id, s.generation, k,
             substring(s.state FROM k * ${migratedChunkBytes} + 1 FOR ${migratedChunkBytes})
        FROM doc_states s, generate_series(0, s.chunks - 1) AS k;
    ALTER TABLE doc_states
      DROP COLUMN state,
      ALTER COLUMN generation SET NOT NULL,
      ALTER COLUMN chunks SET NOT NULL;
  `,
};
