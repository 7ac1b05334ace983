/**
 * How long the event loop is held while a ~20 MB document is loaded and compacted on
 * PostgreSQL (issue 13 on a cluster): the longest gap between two turns of a probe that
 * yields with setImmediate, and monitorEventLoopDelay's max. A measurement, not a test.
 *
 *   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test pnpm exec tsx scripts/pgSliceTurns.ts
 *
 * Measures `load` and `compact` always (before schema 13: one 20 MB bytea in one statement;
 * since: `load` one statement of chunk rows, `compact` a chunk per statement), and
 * `loadInSlices` / `compactInSlices` when the store has them.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createTestDatabase } from '../src/testing/scaleOutParts.ts';
import { bigTextState } from '../src/testing/docUpdates.ts';
import { PgPool } from '../src/store/postgres/PgPool.ts';
import { PgDocStore } from '../src/store/postgres/PgDocStore.ts';
import { migratePg } from '../src/store/postgres/pgMigrations.ts';
import type { StoredDoc } from '../src/store/DocStore.ts';

interface Sliced {
  loadInSlices?(docId: string): Promise<StoredDoc | null>;
  compactInSlices?(docId: string, state: Uint8Array, through: number): Promise<void>;
}

async function measure(what: string, action: () => Promise<unknown>): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let running = true;
  let longest = 0;
  let last = performance.now();
  const probe = (async () => {
    while (running) {
      await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }
  })();
  histogram.enable();
  const started = performance.now();
  await action();
  const total = performance.now() - started;
  histogram.disable();
  running = false;
  await probe;
  console.log(
    `${what.padEnd(34)} total ${total.toFixed(0).padStart(5)} ms, longest turn ` +
      `${longest.toFixed(1).padStart(6)} ms, loop delay max ${(histogram.max / 1e6).toFixed(1)} ms`,
  );
}

const database = await createTestDatabase();
const pool = new PgPool({ url: database.url, max: 4 });
try {
  await migratePg(pool);
  const store = new PgDocStore(pool);
  const sliced = store as unknown as Sliced;
  const state = bigTextState(20 * 1024 * 1024);
  console.log(`state: ${(state.byteLength / 1024 / 1024).toFixed(1)} MB`);
  const [row] = await store.append([{ docId: 'ws1:big', workspaceId: 'ws1', update: state }]);
  await store.compact('ws1:big', state, row!.logId);
  for (let round = 1; round <= 3; round++) {
    await measure(`load #${round}`, () => store.load('ws1:big'));
    if (sliced.loadInSlices) {
      await measure(`loadInSlices #${round}`, () => sliced.loadInSlices!('ws1:big'));
    }
    await measure(`compact #${round}`, () => store.compact('ws1:big', state, row!.logId));
    if (sliced.compactInSlices) {
      await measure(`compactInSlices #${round}`, () =>
        sliced.compactInSlices!('ws1:big', state, row!.logId),
      );
    }
  }
} finally {
  await pool.end();
  await database.drop();
}
