import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createTestDatabase, describeWithPostgres } from '../testing/scaleOutParts.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { createOperator } from './createOperator.ts';
import { openOperatorDatabase, type OperatorDatabase } from './operatorDatabase.ts';

/** The CLI's account command on the database the server would use: SQLite or PostgreSQL. */
function createOperatorSpec(
  open: () => Promise<{ db: OperatorDatabase; done: () => Promise<void> }>,
) {
  let opened: { db: OperatorDatabase; done: () => Promise<void> } | null = null;
  const db = async () => (opened ??= await open()).db;
  afterEach(async () => {
    await opened?.done();
    opened = null;
  });

  it('creates an operator account with the given password hash, audited as a system action', async () => {
    const stores = await db();
    const result = await createOperator(stores, {
      email: ' Ops@Example.COM ',
      displayName: 'Ops',
      passwordHash: '$argon2id$fake',
    });
    expect(result.kind).toBe('created');
    // The domain is lower-cased; the local part is the user's (normalizeEmail).
    const user = await stores.users.byEmail('Ops@example.com');
    expect(user).toMatchObject({ platformRole: 'operator', passwordHash: '$argon2id$fake' });
    expect((await stores.audit.list()).map((e) => [e.actorKind, e.action])).toEqual([
      ['system', 'operator.created'],
    ]);
  });

  it('promotes an existing account without touching its password, and is idempotent', async () => {
    const stores = await db();
    const userId = await stores.users.create({
      email: 'ana@example.com',
      displayName: 'Ana',
      passwordHash: 'original',
    });
    const again = { email: 'ana@example.com', displayName: 'x', passwordHash: null };
    expect(await createOperator(stores, again)).toEqual({ kind: 'promoted', userId });
    expect(await stores.users.byEmail('ana@example.com')).toMatchObject({
      platformRole: 'operator',
      passwordHash: 'original',
    });
    expect((await createOperator(stores, again)).kind).toBe('already_operator');
    expect((await stores.audit.list()).map((e) => e.action)).toEqual(['operator.promoted']);
  });

  it('refuses a new account without a password and a malformed address, writing nothing', async () => {
    const stores = await db();
    await expect(
      createOperator(stores, { email: 'new@example.com', displayName: 'N', passwordHash: null }),
    ).rejects.toThrow(/password/);
    await expect(
      createOperator(stores, { email: 'not-an-email', displayName: 'N', passwordHash: 'h' }),
    ).rejects.toThrow(/not an email/);
    expect(await stores.users.byEmail('new@example.com')).toBeUndefined();
    expect(await stores.audit.list()).toEqual([]);
  });
}

describe('createOperator on SQLite (the embedded database)', () => {
  createOperatorSpec(async () => {
    const temp = makeTempDir();
    const db = await openOperatorDatabase(loadConfig({ DATA_DIR: temp.dir }));
    return {
      db,
      done: async () => {
        await db.close();
        temp.remove();
      },
    };
  });
});

await describeWithPostgres('createOperator on PostgreSQL (a cluster)', () => {
  createOperatorSpec(async () => {
    const database = await createTestDatabase();
    const db = await openOperatorDatabase(
      loadConfig({ DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:6379' }),
    );
    return {
      db,
      done: async () => {
        await db.close();
        await database.drop();
      },
    };
  });
});
