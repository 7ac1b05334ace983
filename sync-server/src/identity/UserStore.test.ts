import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { sqliteTransactions } from '../db/Transactions.ts';
import { SqliteUserStore } from './UserStore.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-users-'));
  dirs.push(dir);
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  const clock = { now: 1_000_000 };
  return { db, clock, users: new SqliteUserStore(db, () => clock.now) };
}

describe('SqliteUserStore', () => {
  it('creates an account that is found by id and by its address, active and unlocked', () => {
    const { users, clock } = setup();
    const id = users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h1' });
    const expected = {
      id,
      email: 'ana@example.com',
      displayName: 'Ana',
      phone: null,
      passwordHash: 'h1',
      status: 'active',
      mustResetPassword: false,
      platformRole: null,
      createdAt: clock.now,
      updatedAt: clock.now,
    };
    expect(users.byId(id)).toEqual(expected);
    expect(users.byEmail('ana@example.com')).toEqual(expected);
    expect(users.byEmail('nobody@example.com')).toBeUndefined();
  });

  it('refuses a second account for the same address', () => {
    const { users } = setup();
    users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h1' });
    expect(() =>
      users.create({ email: 'ana@example.com', displayName: 'Other', passwordHash: 'h2' }),
    ).toThrow(/UNIQUE/);
  });

  it('locks an account until a new password unlocks it; a change alone does not', () => {
    const { users, clock } = setup();
    const id = users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h1' });
    users.requirePasswordReset(id);
    expect(users.byId(id)?.mustResetPassword).toBe(true);
    clock.now += 1000;
    users.setPasswordHash(id, 'h2', { unlock: false });
    expect(users.byId(id)).toMatchObject({
      passwordHash: 'h2',
      mustResetPassword: true,
      updatedAt: clock.now,
    });
    users.setPasswordHash(id, 'h3', { unlock: true });
    expect(users.byId(id)).toMatchObject({ passwordHash: 'h3', mustResetPassword: false });
  });

  it('updates the profile, the status and the platform role', () => {
    const { users } = setup();
    const id = users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h' });
    users.updateProfile(id, { displayName: 'Ana B.', phone: '+1 555' });
    users.setStatus(id, 'suspended');
    users.makeOperator(id);
    expect(users.byId(id)).toMatchObject({
      displayName: 'Ana B.',
      phone: '+1 555',
      status: 'suspended',
      platformRole: 'operator',
    });
  });

  it('takes part in a transaction with other writes: a throw leaves no account behind', () => {
    const { db, users } = setup();
    expect(() =>
      sqliteTransactions(db).write(() => {
        users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h' });
        throw new Error('the seat was taken');
      }),
    ).toThrow('the seat was taken');
    expect(users.byEmail('ana@example.com')).toBeUndefined();
  });
});
