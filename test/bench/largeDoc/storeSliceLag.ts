import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as Y from 'yjs';
import { openSqlite } from '../../../sync-server/src/db/Database.ts';
import { migrate } from '../../../sync-server/src/db/migrate.ts';
import { migrations } from '../../../sync-server/src/db/migrations/index.ts';
import { SqliteDocStore } from '../../../sync-server/src/store/SqliteDocStore.ts';
import { makeRealisticWorkspace } from '../seed/realisticTickets.ts';
import { makeTempDir } from '../../support/tempDir.ts';

/**
 * The event-loop lag of the store's own steps on one large doc (issue 13 #2): a load and a
 * compaction at once (`load`, `compact`: what the server did before) and in slices
 * (`loadInSlices`, `compactInSlices`: what it does now), each alone on an idle loop. Each
 * compaction folds the log it would be due with: state / 1 KiB rows of 500 bytes.
 * `maxStepMs` is the longest gap between two turns of a setImmediate ticker: the longest
 * synchronous step (`maxStepCpuMs`: the process's CPU time in it, which the machine's other
 * work does not inflate), `p99StepMs` the 99th percentile of those gaps; `idle` is the noise floor
 * (the machine's other work), measured the same way for 300 ms.
 *
 *   tsx test/bench/largeDoc/storeSliceLag.ts [tickets=10000] [rounds=3]
 */
const [ticketsArg = '10000', roundsArg = '3'] = process.argv.slice(2);
const tickets = Number(ticketsArg);
const rounds = Number(roundsArg);

function realisticIndex(count: number): Uint8Array {
  const cache = `/tmp/desk-bench-index-${count}.bin`;
  if (existsSync(cache)) return new Uint8Array(readFileSync(cache));
  const update = Y.encodeStateAsUpdate(makeRealisticWorkspace(count).index);
  writeFileSync(cache, update);
  return update;
}

const state = realisticIndex(tickets);
const dir = makeTempDir('desk-slice-lag-');
const db = openSqlite(path.join(dir.dir, 'desk.sqlite'));
migrate(db, migrations);
// Diagnosis: SQLite's automatic WAL checkpoint runs inside the commit that crosses it.
if (process.env.AUTOCHECKPOINT)
  db.pragma(`wal_autocheckpoint = ${Number(process.env.AUTOCHECKPOINT)}`);
const store = new SqliteDocStore(db);
const docId = 'ws1:index';
const [row] = store.append([{ docId, workspaceId: 'ws1', update: state }]);
store.compact(docId, state, row!.logId);
let through = row!.logId;

async function measure(action: () => unknown): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const gaps: number[] = [];
  let maxStepCpu = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    gaps.push(now - last);
    maxStepCpu = Math.max(maxStepCpu, cpu.user + cpu.system - lastCpu.user - lastCpu.system);
    last = now;
    lastCpu = cpu;
    if (ticking) setImmediate(tick);
  };
  histogram.enable();
  setImmediate(tick);
  const started = performance.now();
  await action();
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  ticking = false;
  histogram.disable();
  const toMs = (ns: number) => +(ns / 1e6).toFixed(1);
  return {
    ms: Math.round(ms),
    lagMaxMs: toMs(histogram.max),
    lagP99Ms: toMs(histogram.percentile(99)),
    maxStepMs: +Math.max(...gaps).toFixed(1),
    maxStepCpuMs: +(maxStepCpu / 1000).toFixed(1),
    p99StepMs: +gaps.sort((a, b) => a - b)[Math.floor(gaps.length * 0.99)]!.toFixed(1),
  };
}

const logRows = Math.floor(state.byteLength / 1024);
const edit = new Uint8Array(500).map((_, i) => i % 251);
function appendLog(): number {
  const rows = Array.from({ length: logRows }, () => ({ docId, workspaceId: 'ws1', update: edit }));
  return store.append(rows).at(-1)!.logId;
}

const results: Record<string, Record<string, number>[]> = {};
const record = (name: string, value: Record<string, number>) => (results[name] ??= []).push(value);
for (let round = 0; round < rounds; round++) {
  // The noise floor: the loop doing nothing but the ticker, as long as a sliced load.
  record('idle', await measure(() => new Promise((resolve) => setTimeout(resolve, 300))));
  record('load', await measure(() => store.load(docId)));
  record('loadInSlices', await measure(() => store.loadInSlices(docId)));
  // The log a compaction of this doc folds when due (compactionPolicy: rows ≥ state / 1 KiB),
  // as field edits of ~500 bytes.
  through = appendLog();
  record('compact', await measure(() => store.compact(docId, state, through)));
  through = appendLog();
  record('compactInSlices', await measure(() => store.compactInSlices(docId, state, through)));
}
console.log(
  JSON.stringify({
    doc: `realistic ${tickets}`,
    mib: +(state.byteLength / 1024 / 1024).toFixed(1),
    logRowsFolded: logRows,
    results,
  }),
);
db.close();
dir.remove();
