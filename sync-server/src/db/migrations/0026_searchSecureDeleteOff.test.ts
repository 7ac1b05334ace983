import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';

describe('migration 26: the search index without FTS5 secure-delete', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m26-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  const secureDelete = () =>
    db
      .prepare(`SELECT v FROM search_tickets_fts_config WHERE k = 'secure-delete'`)
      .pluck()
      .get() as number | undefined;

  it('turns off what migration 21 turned on, so a deleted row costs no rewrite of its doclists', () => {
    migrate(
      db,
      migrations.filter((m) => m.version <= 25),
    );
    expect(secureDelete()).toBe(1);
    migrate(db, migrations);
    expect(secureDelete()).toBe(0);
  });
});
