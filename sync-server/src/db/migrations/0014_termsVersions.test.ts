import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';
import { m0014TermsVersions } from './0014_termsVersions.ts';

describe('migration 14: terms versions become data', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m14-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  it('seeds today’s terms as version 1 and renames acceptances of the old constant to it', () => {
    migrate(
      db,
      migrations.filter((m) => m.version < m0014TermsVersions.version),
    );
    db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES ('u1', 'a@example.com', 'A', 'x', 0, 0)`,
    ).run();
    db.prepare(
      `INSERT INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES ('u1', '2026-11-01', 5, '10.0.0.1')`,
    ).run();

    expect(migrate(db, migrations)).toContain(m0014TermsVersions.version);

    const v1 = db.prepare('SELECT version, text, effective_at FROM terms_versions').all() as {
      version: number;
      text: string;
      effective_at: number;
    }[];
    expect(v1).toHaveLength(1);
    expect(v1[0]!.version).toBe(1);
    expect(v1[0]!.text).toMatch(/^Term of Services/);
    expect(v1[0]!.effective_at).toBe(Date.UTC(2026, 10, 1));
    expect(db.prepare('SELECT * FROM terms_acceptances').all()).toEqual([
      { user_id: 'u1', version: '1', accepted_at: 5, ip: '10.0.0.1' },
    ]);
  });
});
