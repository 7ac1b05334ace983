import type { Migration } from '../Migration.ts';

/** Bytes per chunk when this migration splits the states it finds (frozen with it). */
const MIGRATION_CHUNK_BYTES = 256 * 1024;

/**
 * Merged states are stored in chunks (issue 13 #2): reading or writing a 24 MB state as one
 * blob blocked the event loop 130 ms to load and 0.5–1.2 s to compact, for every workspace
 * on the server. `doc_state_chunks` holds a state as numbered pieces under a version, so the
 * store can read and write one piece per event-loop turn; `doc_states` names the current
 * version of each document, its size and its number of chunks. A compaction writes the
 * next version's chunks beside the current ones and flips `doc_states.version` in one
 * short transaction: chunks of any other version are leftovers (an unfinished compaction
 * or an old version not yet deleted) and are never read.
 *
 * Existing states are split into version 1 here, in migrate()'s transaction.
 */
export const m0013DocStateChunks: Migration = {
  version: 13,
  name: 'doc_state_chunks',
  up(db) {
    db.exec(`
      CREATE TABLE doc_state_chunks (
        doc_id  TEXT NOT NULL REFERENCES docs (doc_id),
        version INTEGER NOT NULL,
        idx     INTEGER NOT NULL,
        data    BLOB NOT NULL,
        PRIMARY KEY (doc_id, version, idx)
      ) STRICT;

      CREATE TABLE doc_state_versions (
        doc_id  TEXT PRIMARY KEY REFERENCES docs (doc_id),
        version INTEGER NOT NULL,  -- chunks of this version in doc_state_chunks are the state
        bytes   INTEGER NOT NULL,  -- total size of the state
        chunks  INTEGER NOT NULL   -- number of chunks, idx 0 .. chunks - 1
      ) STRICT;
    `);
    const docIds = db.prepare('SELECT doc_id FROM doc_states').pluck().all() as string[];
    const readState = db.prepare('SELECT state FROM doc_states WHERE doc_id = ?').pluck();
    const insertChunk = db.prepare(
      'INSERT INTO doc_state_chunks (doc_id, version, idx, data) VALUES (?, 1, ?, ?)',
    );
    const insertVersion = db.prepare(
      'INSERT INTO doc_state_versions (doc_id, version, bytes, chunks) VALUES (?, 1, ?, ?)',
    );
    for (const docId of docIds) {
      const state = readState.get(docId) as Buffer;
      const chunks = Math.max(1, Math.ceil(state.byteLength / MIGRATION_CHUNK_BYTES));
      for (let idx = 0; idx < chunks; idx++) {
        const start = idx * MIGRATION_CHUNK_BYTES;
        insertChunk.run(docId, idx, state.subarray(start, start + MIGRATION_CHUNK_BYTES));
      }
      insertVersion.run(docId, state.byteLength, chunks);
    }
    db.exec(`
      DROP TABLE doc_states;
      ALTER TABLE doc_state_versions RENAME TO doc_states;
    `);
  },
};
