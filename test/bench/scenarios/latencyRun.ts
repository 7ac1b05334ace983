import { performance } from 'node:perf_hooks';
import type { BenchClient } from '../load/BenchClient.ts';
import { closeAll, connectAll } from '../load/connectAll.ts';
import { LatencyRecorder } from '../load/LatencyRecorder.ts';
import { summarize } from '../load/stats.ts';
import { WritingDoc, type WriterKind } from '../load/WritingDoc.ts';
import type { OursWire, RunningTarget } from '../targets/Target.ts';
import { holdsWithin } from '@desk/protocol/testing';
import { seededRandom, sleep, type Measured, type MetricDef } from './Scenario.ts';

export interface LatencyRunSize {
  scope: string;
  docs: number;
  clientsPerDoc: number;
  /** Updates per second per client. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  concurrency: number;
  seed: number;
  /** What every client writes (default: its own map key). */
  writer?: WriterKind;
  /** Which endpoint of ours (default `/sync`). */
  wire?: OursWire;
  /** The docs to write (default: the scope's first `docs`). */
  docIds?: readonly string[];
  /** Also measure the server's event-loop delay over the measured window. */
  lag?: boolean;
}

export const latencyMetrics: readonly MetricDef[] = [
  { key: 'p50', label: 'fan-out latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99', label: 'fan-out latency p99', unit: 'ms', better: 'lower' },
  { key: 'max', label: 'fan-out latency max', unit: 'ms', better: 'lower' },
  { key: 'deliveriesPerSec', label: 'deliveries/s', unit: '/s', better: 'higher' },
  { key: 'lostPct', label: 'not delivered', unit: '%', better: 'lower' },
  { key: 'cpuPct', label: 'server CPU while measuring', unit: '% of a core', better: 'lower' },
  {
    key: 'cpuPerUpdateUs',
    label: 'server CPU per update written (incl. its fan-out)',
    unit: 'µs',
    better: 'lower',
  },
];

/**
 * Every client of every doc writes small updates at a fixed rate (seeded phases, so every
 * server sees the same schedule); latency is measured from send to receipt at each other
 * client of the doc, for writes sent inside the measuring window only.
 */
export async function runLatency(target: RunningTarget, size: LatencyRunSize): Promise<Measured> {
  const recorder = new LatencyRecorder();
  const total = size.docs * size.clientsPerDoc;
  const writers: WritingDoc[] = [];
  const docIds: string[] = [];
  const clients = await connectAll(total, size.concurrency, (i) => {
    const d = Math.floor(i / size.clientsPerDoc);
    const docId = size.docIds?.[d] ?? target.docId(size.scope, d);
    const writer = new WritingDoc(i + 1, size.writer ?? 'map');
    writers[i] = writer;
    docIds[i] = docId;
    return target.open(
      docId,
      {
        docs: new Map([[docId, writer.doc]]),
        applyRemote: false,
        onUpdate: (_doc, update, at) => recorder.received(writer.clientID, update, at),
      },
      size.wire,
    );
  });

  const random = seededRandom(size.seed);
  const periodMs = 1000 / size.rate;
  const timers: NodeJS.Timeout[] = [];
  let running = true;
  const write = (client: BenchClient, writer: WritingDoc, docId: string) => {
    if (!running) return;
    const { update, clock } = writer.write();
    recorder.markSent(writer.clientID, clock, size.clientsPerDoc - 1, performance.now());
    client.sendUpdate(docId, update);
  };
  clients.forEach((client, i) => {
    const writer = writers[i]!;
    const docId = docIds[i]!;
    timers.push(
      setTimeout(() => {
        write(client, writer, docId);
        timers.push(setInterval(() => write(client, writer, docId), periodMs));
      }, random() * periodMs),
    );
  });

  await sleep(size.warmupMs);
  if (size.lag) await target.lag.start();
  recorder.measuring = true;
  const cpuStart = target.cpuMs();
  await sleep(size.measureMs);
  recorder.measuring = false;
  const cpuMs = target.cpuMs() - cpuStart;
  const lag = size.lag ? await target.lag.stop() : null;
  running = false;
  for (const t of timers) clearTimeout(t);
  await holdsWithin(() => recorder.deliveries >= recorder.expectedDeliveries, 10_000);
  await closeAll(clients);

  const s = summarize(recorder.samples.values());
  return {
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    deliveriesPerSec: (recorder.deliveries / size.measureMs) * 1000,
    cpuPct: (100 * cpuMs) / size.measureMs,
    cpuPerUpdateUs: (1000 * cpuMs) / recorder.measuredSends,
    cpuPerDeliveryUs: (1000 * cpuMs) / recorder.deliveries,
    echoPct: recorder.measuredSends ? (100 * recorder.echoes) / recorder.measuredSends : NaN,
    ...(lag ? { lagP50: lag.p50, lagP99: lag.p99, lagMax: lag.max } : {}),
    lostPct: recorder.expectedDeliveries
      ? (100 * (recorder.expectedDeliveries - recorder.deliveries)) / recorder.expectedDeliveries
      : NaN,
  };
}
