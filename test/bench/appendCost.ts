import crypto from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqlite } from '../../sync-server/src/db/Database.ts';
import { migrate } from '../../sync-server/src/db/migrate.ts';
import { migrations } from '../../sync-server/src/db/migrations/index.ts';
import { SqliteDocStore } from '../../sync-server/src/store/SqliteDocStore.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * What one stored update costs the server's store, by the size of the document's merged
 * state (issue 13: an append must cost the same for a 10 KB and a 100 MB document). Each
 * append is one `SqliteDocStore.append` of one ~100-byte update (a field edit), one
 * transaction, as the server stores a turn's updates. The state is random bytes: the store
 * never decodes it, only SQLite's handling of the row matters.
 * Run: `pnpm exec tsx test/bench/appendCost.ts [appends] [sizes in KiB, comma-separated]`.
 */
const appends = Number(process.argv[2] ?? 200);
const sizesKiB = (process.argv[3] ?? '10,102400').split(',').map(Number);

const temp = makeTempDir('desk-append-cost-');
try {
  const db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  migrate(db, migrations);
  const store = new SqliteDocStore(db);
  const edit = crypto.randomBytes(100);
  for (const kib of sizesKiB) {
    const docId = `ws1:doc${kib}`;
    const state = crypto.randomBytes(kib * 1024);
    const [first] = store.append([{ docId, workspaceId: 'ws1', update: state }]);
    store.compact(docId, state, first!.logId);
    // The state's own write is checkpointed now, not inside the appends measured.
    db.pragma('wal_checkpoint(TRUNCATE)');
    const times: number[] = [];
    for (let i = 0; i < appends; i++) {
      const started = performance.now();
      store.append([{ docId, workspaceId: 'ws1', update: edit }]);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    console.log(
      JSON.stringify({
        stateKiB: kib,
        appends,
        meanMs: +mean.toFixed(3),
        medianMs: +at(0.5).toFixed(3),
        p99Ms: +at(0.99).toFixed(3),
      }),
    );
  }
  db.close();
} finally {
  temp.remove();
}
