import type { SqliteDatabase } from './Database.ts';
import type { Migration } from './Migration.ts';

export class DatabaseNewerThanCodeError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `The database schema is at version ${databaseVersion}, but this build of the server only ` +
        `knows versions up to ${codeVersion}. It was written by a newer release: run that ` +
        `release (or restore a backup made by this one). The server will not start, so ` +
        `nothing is changed.`,
    );
    this.name = 'DatabaseNewerThanCodeError';
  }
}

export function schemaVersion(db: SqliteDatabase): number {
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT;
  `);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

/**
 * Bring the schema up to date. All pending migrations run in one transaction: a failure
 * leaves the database exactly as it was. Returns the versions applied.
 */
export function migrate(
  db: SqliteDatabase,
  all: readonly Migration[],
  now: () => number = Date.now,
): number[] {
  assertIncreasing(all);
  const latest = all.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) throw new DatabaseNewerThanCodeError(current, latest);
  const pending = all.filter((m) => m.version > current);
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  db.transaction(() => {
    for (const migration of pending) {
      migration.up(db);
      record.run(migration.version, migration.name, now());
    }
  }).immediate();
  return pending.map((m) => m.version);
}

function assertIncreasing(all: readonly Migration[]): void {
  all.forEach((m, i) => {
    const previous = all[i - 1];
    if (previous && m.version <= previous.version) {
      throw new Error(`Migration ${m.name} (${m.version}) must come after ${previous.name}`);
    }
  });
}
