import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as Y from 'yjs';
import { makeRealisticWorkspace } from '../seed/realisticTickets.ts';
import { startSyncServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { makeTempDir } from '../../support/tempDir.ts';

/**
 * The server's event-loop lag while a new device cold-loads and first-syncs one large doc
 * (issue 13 #2, #3), after a restart (the doc compacted into its merged state). The server
 * runs in this process; the device in a child process.
 *
 *   tsx test/bench/largeDoc/firstSyncLag.ts realistic 10000 [onLoop]
 *   tsx test/bench/largeDoc/firstSyncLag.ts random 50 [onLoop]
 *
 * `realistic N`: the index of N realistic tickets (10,000 ≈ 26 MB; cached in /tmp).
 * `random M`: about M MiB of random text rows. `onLoop`: largeDocBytes = Infinity, i.e.
 * the doc is decoded into a Y.Doc and encoded on the event loop, as before issue 13.
 */
const execFileAsync = promisify(execFile);
const [kind = 'realistic', sizeArg = '10000', mode = 'offThread'] = process.argv.slice(2);
const size = Number(sizeArg);

function randomDoc(mib: number): Uint8Array {
  const doc = new Y.Doc();
  const rows = doc.getMap<string>('rows');
  let seed = 3;
  const letter = () =>
    String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26));
  for (let i = 0; i < mib * 128; i++)
    rows.set(`r${i}`, Array.from({ length: 8192 }, letter).join(''));
  return Y.encodeStateAsUpdate(doc);
}

function realisticIndex(tickets: number): Uint8Array {
  const cache = `/tmp/desk-bench-index-${tickets}.bin`;
  if (existsSync(cache)) return new Uint8Array(readFileSync(cache));
  const update = Y.encodeStateAsUpdate(makeRealisticWorkspace(tickets).index);
  writeFileSync(cache, update);
  return update;
}

const update = kind === 'random' ? randomDoc(size) : realisticIndex(size);
const users = { 'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } } } as const;
const limits = mode === 'onLoop' ? { largeDocBytes: Number.POSITIVE_INFINITY } : {};
const dir = makeTempDir('desk-first-sync-');
// Seeded, compacted into its merged state, then the server restarted: what a cold load
// after a deploy reads.
const seeding = await startSyncServer(users, limits, dir.dir);
await seeding.server.sync.applyServerUpdate('ws1:index', update);
const seeder = await TestSyncClient.connect(seeding.url, { token: 'tok-ben' });
seeder.subscribe('ws1:index');
await seeder.synced('ws1:index');
while (seeding.server.sync.store.load('ws1:index')!.log.length > 0) {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
seeder.ws.terminate();
await seeding.stop();
const t = await startSyncServer(users, limits, dir.dir);

// The noise floor: the same server doing nothing, as long as a typical first sync.
const idle = monitorEventLoopDelay({ resolution: 5 });
idle.enable();
await new Promise((resolve) => setTimeout(resolve, 5000));
idle.disable();
// The one size-proportional step left on the event loop: reading the rows from SQLite.
const store = t.server.sync.store;
const load = store.load.bind(store);
let storeReadMs = 0;
store.load = (docId) => {
  const began = performance.now();
  try {
    return load(docId);
  } finally {
    storeReadMs += performance.now() - began;
  }
};
// Since the rows are read in slices (issue 13 #2), cold loads go here: elapsed, not blocking.
const loadInSlices = store.loadInSlices.bind(store);
let slicedReadMs = 0;
store.loadInSlices = async (docId) => {
  const began = performance.now();
  try {
    return await loadInSlices(docId);
  } finally {
    slicedReadMs += performance.now() - began;
  }
};

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
const started = performance.now();
const { stdout } = await execFileAsync(
  process.execPath,
  [
    '--import',
    'tsx',
    fileURLToPath(new URL('./firstSyncClient.ts', import.meta.url)),
    t.url,
    'tok-ben',
    'ws1:index',
  ],
  { maxBuffer: 1 << 20 },
);
const ms = performance.now() - started;
histogram.disable();
const device = JSON.parse(stdout) as { bytes: number; chunks: number; closed: unknown };
const toMs = (ns: number) => +(ns / 1e6).toFixed(1);
console.log(
  JSON.stringify({
    doc: `${kind} ${size}`,
    mode,
    mib: +(update.byteLength / 1024 / 1024).toFixed(1),
    firstSyncMs: Math.round(ms),
    received: device.bytes === update.byteLength ? 'identical size' : `${device.bytes} bytes`,
    docChunks: device.chunks,
    disconnected: device.closed,
    lagMaxMs: toMs(histogram.max),
    lagP99Ms: toMs(histogram.percentile(99)),
    lagMeanMs: toMs(histogram.mean),
    idleLagMaxMs: toMs(idle.max),
    idleLagP99Ms: toMs(idle.percentile(99)),
    storeReadMs: Math.round(storeReadMs),
    slicedReadMs: Math.round(slicedReadMs),
    workerLoads: t.server.ctx.offThread.runs('loadLarge', 'worker'),
    workerFirstSyncs: t.server.ctx.offThread.runs('syncStep2', 'worker'),
  }),
);
await t.stop();
dir.remove();
process.exit(0);
