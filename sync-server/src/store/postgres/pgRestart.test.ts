import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { errorHandler } from '../../http/errorHandler/index.ts';
import { installHealthRoutes } from '../../http/health.ts';
import { ShutdownHooks } from '../../lifecycle/ShutdownHooks.ts';
import { createLogger } from '../../log/logger.ts';
import {
  describeWithOwnPostgres,
  startOwnPostgres,
  type OwnPostgres,
} from '../../testing/ownPostgres.ts';
import { PgDocStore } from './PgDocStore.ts';
import { PgPool } from './PgPool.ts';
import { migratePg } from './pgMigrations.ts';
import { latestPgSchemaVersion, pgSchemaVersion } from './pgReadiness.ts';

const docId = 'ws1:index';

/**
 * One server process on a PostgreSQL of the test's own, as far as a restart goes: the
 * readiness probe, the REST error mapping, and a write route that stores an edit and
 * acknowledges it (200) only once it is stored — as a sync write does.
 */
function serverOn(pool: PgPool) {
  const log = createLogger('silent');
  const store = new PgDocStore(pool);
  const app = new Hono();
  app.onError(errorHandler(log));
  installHealthRoutes(app, {
    shutdown: new ShutdownHooks(log),
    log,
    schemaVersion: () => pgSchemaVersion(pool),
    expectedSchemaVersion: latestPgSchemaVersion,
  });
  app.post('/edit/:text', async (c) => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, `${c.req.param('text')};`);
    const [stored] = await store.append([
      { docId, workspaceId: 'ws1', update: Y.encodeStateAsUpdate(doc) },
    ]);
    return c.json({ seq: stored!.seq });
  });
  return { app, store };
}

await describeWithOwnPostgres('PostgreSQL restarted under a running server', () => {
  let postgres: OwnPostgres;
  let pool: PgPool;

  beforeAll(async () => {
    postgres = await startOwnPostgres();
    pool = new PgPool({ url: postgres.url, max: 4, applicationName: 'desk-restart' });
    await migratePg(pool);
  }, 180_000);
  afterAll(async () => {
    await pool?.end();
    await postgres?.dispose();
  });

  it('reports not ready and refuses writes with database_unavailable while it is down, recovers by itself, and loses nothing acknowledged', async () => {
    const { app, store } = serverOn(pool);
    expect((await app.request('/readyz')).status).toBe(200);

    // Writes keep coming while PostgreSQL crashes and comes back.
    const acknowledged: string[] = [];
    const refusals: { status: number; code: string; retryAfter: string | null }[] = [];
    let writing = true;
    let sawRefusal: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => (sawRefusal = resolve));
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const response = await app.request(`/edit/e${i}`, { method: 'POST' });
        if (response.status === 200) acknowledged.push(`e${i}`);
        else {
          const body = (await response.json()) as { error: { code: string } };
          refusals.push({
            status: response.status,
            code: body.error.code,
            retryAfter: response.headers.get('Retry-After'),
          });
          sawRefusal();
        }
      }
    })();
    await expect.poll(() => acknowledged.length).toBeGreaterThan(5);
    await postgres.stop('immediate'); // a crash: recovery from the WAL at the next start
    await refused;

    const notReady = await app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'database_unavailable' });

    await postgres.start();
    await expect
      .poll(async () => (await app.request('/readyz')).status, { timeout: 20_000 })
      .toBe(200);
    const before = acknowledged.length;
    await expect.poll(() => acknowledged.length).toBeGreaterThan(before + 5);
    writing = false;
    await writer;

    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toEqual({ status: 503, code: 'database_unavailable', retryAfter: '5' });
    }
    // Every acknowledged edit is in the stored document (a refused one may be too: cut
    // during COMMIT, it may have committed — which is why it was refused, not acknowledged).
    const stored = (await store.load(docId))!;
    const doc = new Y.Doc();
    for (const update of [...(stored.state ? [stored.state] : []), ...stored.log]) {
      Y.applyUpdate(doc, update);
    }
    const text = doc.getText('t').toString();
    const missing = acknowledged.filter((edit) => !text.includes(`${edit};`));
    expect(missing).toEqual([]);
  });
});
