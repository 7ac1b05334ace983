import { makeTempDir } from '../../support/tempDir.ts';
import { runFuzz } from './fuzzRun.ts';
import { censusGrowth, heapSnapshotEnv, takeHeapCensus, type HeapCensus } from './heapCensus.ts';

/**
 * Does the server keep anything per fuzzed frame or socket? One fuzz run of 5N frames; heap
 * snapshots of the server after N and after 4N frames (each after a full GC). A leak shows
 * as classes whose count grows with the traffic between the two; RSS alone cannot tell
 * (RELIABILITY.md, "Protocol fuzzing").
 *
 *   node --import tsx test/reliability/fuzz/heapCheck.ts   (HEAP_CHECK_FRAMES=N, default 25,000)
 *
 * HEAP_CHECK_KEEP=dir keeps the two snapshots there (to open in Chrome DevTools' Memory tab,
 * "Comparison" view, and follow the retainers of what grew).
 */

/** The server's per-socket and per-doc state, and what could keep it (timers, buckets). */
const WATCHED = [
  'SyncConnection',
  'YjsConnection',
  'WsSyncSocket',
  'WebSocket',
  'Socket',
  'DocSubscription',
  'DocRoom',
  'Doc',
  'Awareness',
  'TokenBucket',
  'FairWorkspaceBucket',
  'Timeout',
  'Promise',
];

const n = Number(process.env.HEAP_CHECK_FRAMES ?? 25_000);
const seed = Number(process.env.RELIABILITY_SEED ?? 20261206);
const keep = process.env.HEAP_CHECK_KEEP;
const snapshots = keep ? { dir: keep, remove: () => undefined } : makeTempDir('desk-heap-');
const census: { atN?: HeapCensus; at4N?: HeapCensus } = {};
try {
  const report = await runFuzz({
    seed,
    frames: 5 * n,
    concurrency: 8,
    maxBurst: 400,
    deadlineMs: 60_000,
    serverEnv: heapSnapshotEnv(snapshots.dir),
    // Tenth 2 of 5N frames is N, tenth 8 is 4N.
    afterTenth: async (tenth, server) => {
      if (tenth === 2) census.atN = await takeHeapCensus(server, snapshots.dir);
      if (tenth === 8) census.at4N = await takeHeapCensus(server, snapshots.dir);
    },
    log: (line) => console.log(line),
  });
  const { atN, at4N } = census;
  if (!atN || !at4N) throw new Error('no heap snapshots were taken');
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(`frames ${report.frames}, sockets ${JSON.stringify(report.sockets)}`);
  console.log(
    `live heap: after N ${mib(atN.totalBytes)} MiB, after 4N ${mib(at4N.totalBytes)} MiB`,
  );
  console.log('class: after N → after 4N');
  for (const name of WATCHED) {
    const count = (c: HeapCensus) => c.classes.get(name)?.count ?? 0;
    console.log(`  ${name}: ${count(atN)} → ${count(at4N)}`);
  }
  console.log('most grown classes (count after N → after 4N, own bytes grown):');
  for (const row of censusGrowth(atN, at4N).slice(0, 15))
    console.log(`  ${row.name}: ${row.before} → ${row.after}, +${row.bytesGrown} B`);
} finally {
  snapshots.remove();
}
// The fuzz run's clients may keep handles open; the report is all this script is for.
process.exit(0);
