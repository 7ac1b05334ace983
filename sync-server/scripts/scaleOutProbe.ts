/**
 * Numbers for the scale-out foundations (SCALE-OUT.md): what one append costs on SQLite and
 * on PostgreSQL (one update per append, and the same updates batched as the engine does
 * per event-loop turn), and how long an update takes from `publish` on one bus to the
 * feed of another process's bus. Not the issue-19 benchmark (several server processes
 * behind a proxy): there is no cluster to measure yet.
 *
 *   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
 *     pnpm --filter @desk/sync-server exec tsx scripts/scaleOutProbe.ts [updates]
 *
 * Creates and drops a database of its own and starts its own redis-server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { RedisUpdateBus } from '../src/cluster/RedisUpdateBus.ts';
import { openSqlite } from '../src/db/Database.ts';
import { migrate } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { asyncDocStore, type AsyncDocStore } from '../src/store/AsyncDocStore.ts';
import { PgDocStore } from '../src/store/postgres/PgDocStore.ts';
import { PgPool } from '../src/store/postgres/PgPool.ts';
import { migratePg } from '../src/store/postgres/pgMigrations.ts';
import { SqliteDocStore } from '../src/store/SqliteDocStore.ts';
import { createTestDatabase, startRedisServer } from '../src/testing/scaleOutParts.ts';

const count = Number(process.argv[2] ?? 2000);

function edits(n: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < n; i++) doc.getText('t').insert(doc.getText('t').length, `${i},`);
  return updates;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function appendCost(name: string, store: AsyncDocStore): Promise<void> {
  const updates = edits(count);
  const each: number[] = [];
  let start = performance.now();
  for (const update of updates) {
    const t = performance.now();
    await store.append([{ docId: 'ws1:ticket:one', workspaceId: 'ws1', update }]);
    each.push(performance.now() - t);
  }
  const oneByOne = performance.now() - start;
  each.sort((a, b) => a - b);
  // Batches of 50 (a busy turn's worth), on another doc.
  start = performance.now();
  for (let i = 0; i < updates.length; i += 50) {
    await store.append(
      updates
        .slice(i, i + 50)
        .map((update) => ({ docId: 'ws1:ticket:two', workspaceId: 'ws1', update })),
    );
  }
  const batched = performance.now() - start;
  // Eight appenders at once, one update each (eight sockets' turns overlapping).
  start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < updates.length; i += 8) {
        await store.append([
          { docId: `ws1:ticket:w${w}`, workspaceId: 'ws1', update: updates[i]! },
        ]);
      }
    }),
  );
  const concurrent = performance.now() - start;
  console.log(
    `| ${name} | ${ms(quantile(each, 0.5))} | ${ms(quantile(each, 0.99))} | ` +
      `${Math.round(count / (oneByOne / 1000))} | ${Math.round(count / (batched / 1000))} | ` +
      `${Math.round(count / (concurrent / 1000))} |`,
  );
}

async function fanOut(): Promise<void> {
  const redis = await startRedisServer({ persistent: true });
  const prefix = 'probe:';
  const a = new RedisUpdateBus({ url: redis.url, prefix, processId: 'a' });
  const b = new RedisUpdateBus({ url: redis.url, prefix, processId: 'b' });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let received = 0;
  let done = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  await b.subscribe('ws1:doc', {
    update: (_u, { seq }) => {
      latencies.push(performance.now() - sentAt.get(seq)!);
      if (++received === count) done();
    },
    resync: () => undefined,
  });
  const updates = edits(count);
  for (let i = 0; i < count; i++) {
    sentAt.set(i + 1, performance.now());
    await a.publish('ws1:doc', updates[i]!, i + 1);
  }
  await finished;
  latencies.sort((x, y) => x - y);
  console.log(
    `\nFan-out through Redis (own redis-server, AOF appendfsync always), ${count} updates ` +
      `published one after another: p50 ${ms(quantile(latencies, 0.5))}, ` +
      `p99 ${ms(quantile(latencies, 0.99))}, max ${ms(latencies.at(-1)!)}`,
  );
  await Promise.all([a.close(), b.close()]);
  await redis.dispose();
}

console.log(`${count} updates of one Y.Text (≈ 20–30 bytes each), ${os.cpus().length} cores\n`);
console.log(
  '| store | append p50 | append p99 | updates/s one per append | updates/s 50 per append | updates/s 8 appenders |',
);
console.log('|---|---|---|---|---|---|');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-probe-'));
const db = openSqlite(path.join(dir, 'desk.sqlite'));
migrate(db, migrations);
await appendCost('SQLite (WAL, synchronous=NORMAL)', asyncDocStore(new SqliteDocStore(db)));
db.close();
fs.rmSync(dir, { recursive: true, force: true });

const database = await createTestDatabase();
const pool = new PgPool({ url: database.url });
await migratePg(pool);
await appendCost('PostgreSQL 15 (localhost, default fsync)', new PgDocStore(pool));
await pool.end();
await database.drop();

await fanOut();
