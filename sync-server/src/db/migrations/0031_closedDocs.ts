import type { Migration } from '../Migration.ts';

/**
 * Private documents closed for good (DocStore.closeDocs): a deleted account's
 * `<workspace>:user:<uid>` docs. The append transaction refuses updates to them, so a write
 * stored after the account's deletion cannot recreate one. Only private docs are looked up
 * there; a row holds an id and a time, no content, and is never removed. The same table is
 * in the PostgreSQL schema (version 16), where the race it closes is between processes.
 */
export const m0031ClosedDocs: Migration = {
  version: 31,
  name: 'closed_docs',
  up(db) {
    db.exec(`
      CREATE TABLE closed_docs (
        doc_id    TEXT PRIMARY KEY,
        closed_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
