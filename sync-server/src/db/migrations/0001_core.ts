import { randomUUID } from 'node:crypto';
import type { Migration } from '../Migration.ts';

export const m0001Core: Migration = {
  version: 1,
  name: 'core',
  up(db) {
    // Key/value facts about this database itself. `store_generation` changes whenever the
    // database is restored from a backup, so clients know to push back what it lost.
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('store_generation', randomUUID());
  },
};
