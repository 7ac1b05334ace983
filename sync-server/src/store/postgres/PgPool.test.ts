import crypto from 'node:crypto';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { freePort } from '../../../../test/support/freePort.ts';
import {
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../testing/scaleOutParts.ts';
import { PgDocStore } from './PgDocStore.ts';
import { DatabaseUnavailableError, PgPool } from './PgPool.ts';
import { migratePg } from './pgMigrations.ts';

const update = (() => {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'x');
  return Y.encodeStateAsUpdate(doc);
})();
const appendOne = (store: PgDocStore) =>
  store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update }]);

await describeWithPostgres('PgPool', () => {
  let database: TestDatabase | null = null;
  const closers: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await database?.drop();
    database = null;
  });

  // Other runs of this suite share the server: a test ends only connections of its own
  // database and of a pool named for this run.
  const run = crypto.randomUUID().slice(0, 8);
  async function opened(name: string) {
    const applicationName = `${name}-${run}`;
    database = await createTestDatabase();
    const pool = new PgPool({ url: database.url, max: 4, applicationName });
    closers.push(() => pool.end());
    await migratePg(pool);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    closers.push(() => admin.end());
    const ownConnections = `application_name = '${applicationName}' AND datname = current_database()`;
    return { pool, store: new PgDocStore(pool), admin, ownConnections };
  }

  it('refuses a transaction the server cut off with DatabaseUnavailableError, keeping nothing of it', async () => {
    const { store, admin, ownConnections } = await opened('desk-cut-write');
    const [first] = await appendOne(store);
    await appendOne(store);
    // Another transaction holds the doc's head row: the compaction waits on it.
    await admin.query('BEGIN');
    await admin.query("SELECT doc_id FROM docs WHERE doc_id = 'ws1:index' FOR UPDATE");
    const cut = store.compact('ws1:index', update, first!.logId);
    // It may reject before the assertions below are reached (the pool can hear of the cut
    // before the admin connection hears pg_terminate_backend's answer): a handler now keeps
    // that from being an unhandled rejection, which fails the run.
    cut.catch(() => undefined);
    const waiting = async () =>
      (
        await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE ${ownConnections} AND wait_event_type = 'Lock'`,
        )
      ).rows;
    await expect.poll(async () => (await waiting()).length).toBe(1);
    await admin.query('SELECT pg_terminate_backend($1)', [(await waiting())[0]!.pid]);
    await expect(cut).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(cut).rejects.toMatchObject({ code: 'database_unavailable' });
    await admin.query('ROLLBACK');

    const stored = (await store.load('ws1:index'))!;
    expect(stored.state).toBeNull();
    expect(stored.log).toHaveLength(2);
    // The pool serves the next one on a fresh connection.
    await store.compact('ws1:index', update, first!.logId);
    expect((await store.load('ws1:index'))!.log).toHaveLength(1);
  });

  // A dead pooled connection is replaced: at BEGIN for a transaction, and by running an
  // append or a read once more (PgPool.query's againOnLostConnection).
  it('stores a write after every pooled connection was cut while idle, as a database restart does', async () => {
    const { pool, store, admin, ownConnections } = await opened('desk-cut-idle');
    // Four connections open and idle in the pool.
    await Promise.all(Array.from({ length: 4 }, () => pool.query('SELECT pg_sleep(0.05)')));
    const { rows } = await admin.query<{ n: number }>(
      `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE ${ownConnections}`,
    );
    expect(rows[0]!.n).toBe(4);
    // Whichever of the four the pool has not yet heard die, the append meets and passes over.
    expect((await appendOne(store))[0]!.seq).toBe(1);
    expect((await store.load('ws1:index'))!.log).toHaveLength(1);
  });

  // pg-pool listens for errors only on idle connections: one ended while a transaction
  // holds it between two statements must not crash the process with an 'error' event.
  it('refuses, without crashing the process, a transaction whose connection ended between two statements', async () => {
    const { pool, store, admin, ownConnections } = await opened('desk-cut-between');
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const transaction = pool.inTransaction(async (client) => {
      await client.query('SELECT 1');
      holding();
      await paused;
      await client.query('SELECT 2');
    });
    transaction.catch(() => undefined); // asserted below, once the connection is gone
    await held;
    const { rows } = await admin.query<{ n: number }>(
      `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE ${ownConnections} AND state = 'idle in transaction'`,
    );
    expect(rows[0]!.n).toBe(1);
    await expect
      .poll(
        async () =>
          (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE ${ownConnections}`)).rowCount,
      )
      .toBe(0);
    resume();
    await expect(transaction).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect((await appendOne(store))[0]!.seq).toBe(1);
  });

  it('refuses with DatabaseUnavailableError when nothing answers at the address', async () => {
    const pool = new PgPool({ url: `postgres://postgres@127.0.0.1:${await freePort()}/none` });
    closers.push(() => pool.end());
    const store = new PgDocStore(pool);
    await expect(appendOne(store)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(store.load('ws1:index')).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
