import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { createOperator } from './createOperator.ts';

let db: SqliteDatabase;
let remove: () => void;
beforeEach(() => {
  const temp = makeTempDir();
  remove = temp.remove;
  db = openSqlite(`${temp.dir}/db.sqlite`);
  migrate(db, migrations);
});
afterEach(() => {
  db.close();
  remove();
});

const roleOf = (email: string) =>
  db.prepare('SELECT platform_role, password_hash FROM users WHERE email = ?').get(email);

describe('createOperator', () => {
  it('creates an operator account with the given password hash, audited as a system action', () => {
    const result = createOperator(
      db,
      { email: ' Ops@Example.COM ', displayName: 'Ops', passwordHash: '$argon2id$fake' },
      1,
    );
    expect(result.kind).toBe('created');
    expect(roleOf('Ops@example.com')).toEqual({
      platform_role: 'operator',
      password_hash: '$argon2id$fake',
    });
    expect(db.prepare('SELECT actor_kind, action FROM audit_log').all()).toEqual([
      { actor_kind: 'system', action: 'operator.created' },
    ]);
  });

  it('promotes an existing account without touching its password, and is idempotent', () => {
    db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES ('u1', 'ana@example.com', 'Ana', 'original', 1, 1)`,
    ).run();
    expect(
      createOperator(db, { email: 'ana@example.com', displayName: 'x', passwordHash: null }, 2),
    ).toEqual({
      kind: 'promoted',
      userId: 'u1',
    });
    expect(roleOf('ana@example.com')).toEqual({
      platform_role: 'operator',
      password_hash: 'original',
    });
    expect(
      createOperator(db, { email: 'ana@example.com', displayName: 'x', passwordHash: null }, 3)
        .kind,
    ).toBe('already_operator');
  });

  it('refuses a new account without a password and a malformed address', () => {
    expect(() =>
      createOperator(db, { email: 'new@example.com', displayName: 'N', passwordHash: null }, 1),
    ).toThrow(/password/);
    expect(() =>
      createOperator(db, { email: 'not-an-email', displayName: 'N', passwordHash: 'h' }, 1),
    ).toThrow(/not an email/);
  });
});
