import { performance } from 'node:perf_hooks';
import { closeAll, connectAll } from '../../bench/load/connectAll.ts';
import { LatencyRecorder } from '../../bench/load/LatencyRecorder.ts';
import { summarize } from '../../bench/load/stats.ts';
import { WritingDoc } from '../../bench/load/WritingDoc.ts';
import { seededRandom } from '../../bench/scenarios/Scenario.ts';
import { startOurs } from '../../bench/targets/ours.ts';

/**
 * Load and soak (issue 12): `pnpm soak`. 1,000 clients on `/sync` across 200 documents of
 * one workspace (5 per doc) — the compiled server as `pnpm start` runs it, in its own
 * process, token auth on — each appending a word to its doc's Y.Text at a fixed rate for
 * 10 minutes. Every 10 s the server's memory (after a full GC); per minute the fan-out
 * latency percentiles (send → receipt at each other client of the doc), writes, deliveries
 * and errors (sockets the server closed, deliveries missing at the end). Not in CI.
 *
 * Options (environment): SOAK_MINUTES (10), SOAK_CLIENTS (1000), SOAK_DOCS (200),
 * SOAK_RATE (writes per second per client, 0.2), SOAK_SEED (20261206).
 */
const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const clientCount = Number(process.env.SOAK_CLIENTS ?? 1000);
const docCount = Number(process.env.SOAK_DOCS ?? 200);
const rate = Number(process.env.SOAK_RATE ?? 0.2);
const seed = Number(process.env.SOAK_SEED ?? 20261206);
const MEMORY_EVERY_MS = 10_000;
const MINUTE_MS = 60_000;
const MiB = 1024 * 1024;

interface MinuteRow {
  minute: number;
  writes: number;
  deliveries: number;
  p50: number;
  p99: number;
  max: number;
  rssMiB: number;
  closes: number;
}

async function main(): Promise<void> {
  const clientsPerDoc = Math.max(1, Math.floor(clientCount / docCount));
  console.log(
    `soak: ${clientCount} clients, ${docCount} docs (${clientsPerDoc} per doc), ` +
      `${rate} writes/s each, ${minutes} min, seed ${seed}`,
  );
  const target = await startOurs();
  const memory: { at: number; rssMiB: number; heapMiB: number }[] = [];
  const started = performance.now();
  const sampleMemory = async () => {
    const m = await target.memory();
    memory.push({
      at: Math.round((performance.now() - started) / 1000),
      rssMiB: m.rss / MiB,
      heapMiB: m.heapUsed / MiB,
    });
  };
  try {
    await sampleMemory();
    const recorder = new LatencyRecorder();
    const writers: WritingDoc[] = [];
    const docIds: string[] = [];
    const connectStarted = performance.now();
    const clients = await connectAll(clientCount, 50, (i) => {
      const docId = target.docId('soak', i % docCount);
      const writer = new WritingDoc(i + 1, 'text');
      writers[i] = writer;
      docIds[i] = docId;
      return target.open(docId, {
        docs: new Map([[docId, writer.doc]]),
        applyRemote: false,
        onUpdate: (_doc, update, at) => recorder.received(writer.clientID, update, at),
      });
    });
    console.log(
      `connected and synced ${clients.length} sockets in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s`,
    );
    await sampleMemory();

    const random = seededRandom(seed);
    const periodMs = 1000 / rate;
    const timers: NodeJS.Timeout[] = [];
    let running = true;
    let writes = 0;
    const write = (i: number) => {
      if (!running) return;
      const writer = writers[i]!;
      const { update, clock } = writer.write();
      const receivers = clientsPerDoc - 1;
      recorder.markSent(writer.clientID, clock, receivers, performance.now());
      writes++;
      clients[i]!.sendUpdate(docIds[i]!, update);
    };
    clients.forEach((_, i) => {
      timers.push(
        setTimeout(() => {
          write(i);
          timers.push(setInterval(() => write(i), periodMs));
        }, random() * periodMs),
      );
    });
    recorder.measuring = true;

    const rows: MinuteRow[] = [];
    const memoryTimer = setInterval(() => void sampleMemory(), MEMORY_EVERY_MS);
    let samplesBefore = 0;
    let deliveriesBefore = 0;
    let writesBefore = 0;
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, MINUTE_MS));
      const values = recorder.samples.values().slice(samplesBefore);
      const s = summarize(values);
      rows.push({
        minute,
        writes: writes - writesBefore,
        deliveries: recorder.deliveries - deliveriesBefore,
        p50: s.p50,
        p99: s.p99,
        max: s.max,
        rssMiB: memory.at(-1)?.rssMiB ?? NaN,
        closes: clients.filter((c) => c.closedBy !== null).length,
      });
      samplesBefore = recorder.samples.length;
      deliveriesBefore = recorder.deliveries;
      writesBefore = writes;
      const r = rows.at(-1)!;
      console.log(
        `minute ${minute}: ${r.writes} writes, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, RSS ${r.rssMiB.toFixed(0)} MiB`,
      );
    }
    running = false;
    recorder.measuring = false;
    for (const t of timers) clearTimeout(t);
    clearInterval(memoryTimer);
    // Writes in flight when the clock stopped: give them a deadline to arrive.
    const deadline = Date.now() + 30_000;
    while (recorder.deliveries < recorder.expectedDeliveries && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const closedByServer = clients.filter((c) => c.closedBy !== null);
    await closeAll(clients);
    await sampleMemory();

    const all = summarize(recorder.samples.values());
    console.log(
      '\n| minute | writes | deliveries | p50 ms | p99 ms | max ms | server RSS MiB | sockets closed by server |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.minute} | ${r.writes} | ${r.deliveries} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} | ${r.rssMiB.toFixed(0)} | ${r.closes} |`,
      );
    }
    console.log(
      `| all | ${writes} | ${recorder.deliveries} | ${all.p50.toFixed(1)} | ${all.p99.toFixed(1)} | ${all.max.toFixed(0)} | | ${closedByServer.length} |`,
    );
    console.log('\nserver memory after a full GC (every 10 s): seconds → RSS MiB / heap MiB');
    console.log(
      memory.map((m) => `${m.at}s ${m.rssMiB.toFixed(0)}/${m.heapMiB.toFixed(0)}`).join(', '),
    );
    const missing = recorder.expectedDeliveries - recorder.deliveries;
    console.log(
      `\nerrors: ${closedByServer.length} sockets closed by the server` +
        (closedByServer.length
          ? ` (${[...new Set(closedByServer.map((c) => c.closedBy))].join(', ')})`
          : '') +
        `, ${missing} of ${recorder.expectedDeliveries} deliveries missing, ${recorder.echoes} echoes`,
    );
    if (closedByServer.length > 0 || missing > 0) process.exitCode = 1;
  } finally {
    await target.stop();
  }
}

await main();
