import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { openSqlite, type SqliteDatabase } from './Database.ts';
import { DatabaseNewerThanCodeError, migrate, schemaVersion } from './migrate.ts';
import type { Migration } from './Migration.ts';
import { migrations } from './migrations/index.ts';

describe('migrations', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'nested', 'desk.sqlite');
    db = openSqlite(file);
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  it('creates a fresh database with every migration, in WAL mode with foreign keys on', () => {
    const applied = migrate(db, migrations);
    expect(applied).toEqual(migrations.map((m) => m.version));
    expect(schemaVersion(db)).toBe(migrations.at(-1)?.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('is idempotent: a second start applies nothing', () => {
    migrate(db, migrations);
    expect(migrate(db, migrations)).toEqual([]);
  });

  it('upgrades a database written by the previous version, keeping its data', () => {
    const previous = migrations.slice(0, -1);
    const latest = migrations.at(-1)!;
    migrate(db, previous);
    const generation = db.prepare("SELECT value FROM meta WHERE key = 'store_generation'").get();
    expect(migrate(db, migrations)).toEqual([latest.version]);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'store_generation'").get()).toEqual(
      generation,
    );
  });

  it('gives each database its own store generation', () => {
    migrate(db, migrations);
    const other = openSqlite(path.join(temp.dir, 'other.sqlite'));
    migrate(other, migrations);
    const read = (d: SqliteDatabase) =>
      d.prepare("SELECT value FROM meta WHERE key = 'store_generation'").pluck().get();
    expect(read(db)).not.toBe(read(other));
    other.close();
  });

  it('refuses to touch a database newer than the code, with a clear error', () => {
    migrate(db, migrations);
    const future: Migration = { version: 999, name: 'future', up: () => {} };
    migrate(db, [...migrations, future]);
    expect(() => migrate(db, migrations)).toThrow(DatabaseNewerThanCodeError);
    expect(() => migrate(db, migrations)).toThrow(/newer release/);
    expect(schemaVersion(db)).toBe(999);
  });

  it('rolls back every pending migration when one fails', () => {
    const broken: Migration[] = [
      ...migrations,
      { version: 900, name: 'adds a table', up: (d) => d.exec('CREATE TABLE t900 (x INTEGER)') },
      {
        version: 901,
        name: 'fails',
        up: () => {
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, broken)).toThrow('boom');
    expect(schemaVersion(db)).toBe(0);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['schema_migrations']);
  });

  it('refuses a migration list that is out of order', () => {
    const shuffled = [...migrations].reverse();
    if (shuffled.length > 1) expect(() => migrate(db, shuffled)).toThrow(/must come after/);
  });
});
