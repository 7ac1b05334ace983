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

  async function opened(applicationName: string) {
    database = await createTestDatabase();
    const pool = new PgPool({ url: database.url, max: 4, applicationName });
    closers.push(() => pool.end());
    await migratePg(pool);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    closers.push(() => admin.end());
    return { pool, store: new PgDocStore(pool), admin };
  }

  it('refuses a transaction the server cut off with DatabaseUnavailableError, keeping nothing of it', async () => {
    const { store, admin } = await opened('desk-cut-write');
    const [first] = await appendOne(store);
    await appendOne(store);
    // Another transaction holds the doc's head row: the compaction waits on it.
    await admin.query('BEGIN');
    await admin.query("SELECT doc_id FROM docs WHERE doc_id = 'ws1:index' FOR UPDATE");
    const cut = store.compact('ws1:index', update, first!.logId);
    const waiting = async () =>
      (
        await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE application_name = 'desk-cut-write' AND wait_event_type = 'Lock'`,
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
    const { pool, store, admin } = await opened('desk-cut-idle');
    // Four connections open and idle in the pool.
    await Promise.all(Array.from({ length: 4 }, () => pool.query('SELECT pg_sleep(0.05)')));
    const { rows } = await admin.query<{ n: number }>(
      `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE application_name = 'desk-cut-idle'`,
    );
    expect(rows[0]!.n).toBe(4);
    expect((await appendOne(store))[0]!.seq).toBe(1);
    expect((await store.load('ws1:index'))!.log).toHaveLength(1);
  });

  it('refuses with DatabaseUnavailableError when nothing answers at the address', async () => {
    const pool = new PgPool({ url: `postgres://postgres@127.0.0.1:${await freePort()}/none` });
    closers.push(() => pool.end());
    const store = new PgDocStore(pool);
    await expect(appendOne(store)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(store.load('ws1:index')).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
