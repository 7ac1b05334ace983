import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { BenchClient } from '../load/BenchClient.ts';
import { closeAll, connectAll } from '../load/connectAll.ts';
import { WritingDoc, type WriterKind } from '../load/WritingDoc.ts';
import type { OursWire, RunningTarget } from '../targets/Target.ts';
import { holdsWithin } from '@desk/protocol/testing';
import { sleep, type Measured, type Scenario } from './Scenario.ts';

/**
 * One doc written flat out: each writer keeps up to `flat-window` updates in flight (sent
 * but not yet seen by the first reader) and sends another as soon as one lands, so the
 * server's throughput, not a timer, sets the pace. Reported: distinct updates per second
 * that reached the first reader, and deliveries per second summed over all readers.
 */
export const flatOutScenario: Scenario = {
  name: 'flat-out',
  title: (o) =>
    `one doc, ${o.n['flat-writers']} writers flat out (window ${o.n['flat-window']}) + ` +
    `${o.n['flat-readers']} readers, ${o.n['measure-ms'] / 1000} s measured`,
  metrics: [
    { key: 'updatesPerSec', label: 'updates/s delivered', unit: '/s', better: 'higher' },
    { key: 'deliveriesPerSec', label: 'deliveries/s (all readers)', unit: '/s', better: 'higher' },
    { key: 'lostPct', label: 'not delivered', unit: '%', better: 'lower' },
    {
      key: 'cpuPerUpdateUs',
      label: 'server CPU per update delivered',
      unit: 'µs',
      better: 'lower',
    },
  ],
  notApplicable: () => null,
  run: (target, o) =>
    runFlood(target, {
      scope: 'flat',
      writers: o.n['flat-writers'],
      readers: o.n['flat-readers'],
      window: o.n['flat-window'],
      warmupMs: o.n['warmup-ms'],
      measureMs: o.n['measure-ms'],
    }),
};

export interface FloodSize {
  scope: string;
  writers: number;
  readers: number;
  /** Updates a writer may have in flight (sent, not yet seen by the first reader). */
  window: number;
  warmupMs: number;
  measureMs: number;
  /** What every writer writes (default: its own map key). */
  writer?: WriterKind;
  /** Which endpoint of ours (default `/sync`). */
  wire?: OursWire;
  /** The doc to write (default: the scope's first). */
  docId?: string;
  /** Also measure the server's event-loop delay over the measured window. */
  lag?: boolean;
}

/**
 * One doc written flat out by `writers`, each keeping `window` updates in flight, read by
 * `readers`: the server's throughput sets the pace.
 */
export async function runFlood(target: RunningTarget, size: FloodSize): Promise<Measured> {
  const writerCount = size.writers;
  const readerCount = Math.max(1, size.readers);
  const docId = size.docId ?? target.docId(size.scope, 0);
  const writers = Array.from(
    { length: writerCount },
    (_, i) => new WritingDoc(i + 1, size.writer ?? 'map'),
  );
  // Updates are counted per write, not per clock tick (an appended word is several ticks):
  // each writer's writes by their first clock, and how many of them each reader has seen.
  const firstClocks = writers.map(() => [] as number[]);
  const seenBy = Array.from({ length: readerCount }, () => new Array<number>(writerCount).fill(0));
  const inFlight = new Array<number>(writerCount).fill(0);
  const readerCounts = new Array<number>(readerCount).fill(0);
  let sent = 0;
  let measuring = false;
  let measured = 0;
  let measuredDeliveries = 0;
  let running = false;

  const writerClients: BenchClient[] = [];
  const pump = (i: number) => {
    const writer = writers[i]!;
    const client = writerClients[i]!;
    while (running && inFlight[i]! < size.window) {
      const { update, clock } = writer.write();
      firstClocks[i]!.push(clock);
      client.sendUpdate(docId, update);
      inFlight[i]!++;
      sent++;
    }
  };
  /** Writes of writer `w` newly seen by reader `r` in an update reaching clock `to`. */
  const newlySeen = (r: number, w: number, to: number): number => {
    const clocks = firstClocks[w]!;
    const seen = seenBy[r]!;
    const before = seen[w]!;
    while (seen[w]! < clocks.length && clocks[seen[w]!]! < to) seen[w]!++;
    return seen[w]! - before;
  };
  const readers = await connectAll(readerCount, readerCount, (r) =>
    target.open(
      docId,
      {
        docs: new Map(),
        applyRemote: false,
        onUpdate: (_doc, update) => {
          const meta = Y.parseUpdateMeta(update);
          let count = 0;
          for (const [client, from] of meta.from) {
            const w = client - 1;
            if (w < 0 || w >= writerCount) continue;
            const n = newlySeen(r, w, meta.to.get(client) ?? from);
            count += n;
            if (r === 0 && n) {
              inFlight[w]! -= n;
              pump(w);
            }
          }
          readerCounts[r]! += count;
          if (measuring) {
            measuredDeliveries += count;
            if (r === 0) measured += count;
          }
        },
      },
      size.wire,
    ),
  );
  writerClients.push(
    ...(await connectAll(writerCount, writerCount, (i) =>
      target.open(
        docId,
        { docs: new Map([[docId, writers[i]!.doc]]), applyRemote: false },
        size.wire,
      ),
    )),
  );

  running = true;
  writers.forEach((_, i) => pump(i));
  await sleep(size.warmupMs);
  if (size.lag) await target.lag.start();
  measuring = true;
  const cpuStart = target.cpuMs();
  const t0 = performance.now();
  await sleep(size.measureMs);
  measuring = false;
  const cpuMs = target.cpuMs() - cpuStart;
  const measuredMs = performance.now() - t0;
  const lag = size.lag ? await target.lag.stop() : null;
  running = false;
  await holdsWithin(() => readerCounts.every((c) => c >= sent), 10_000);
  const delivered = readerCounts.reduce((a, b) => a + Math.min(b, sent), 0);
  const closedBy = [...readers, ...writerClients].flatMap((c) => c.closedBy ?? []);
  await closeAll([...readers, ...writerClients]);
  if (measured === 0) {
    throw new Error(
      `no write reached the first reader while measuring (${sent} sent` +
        (closedBy.length ? `; the server closed sockets: ${closedBy.join(', ')})` : ')'),
    );
  }
  return {
    updatesPerSec: (measured / measuredMs) * 1000,
    deliveriesPerSec: (measuredDeliveries / measuredMs) * 1000,
    cpuPerUpdateUs: (1000 * cpuMs) / measured,
    cpuPerDeliveryUs: (1000 * cpuMs) / measuredDeliveries,
    cpuPct: (100 * cpuMs) / measuredMs,
    ...(lag ? { lagP50: lag.p50, lagP99: lag.p99, lagMax: lag.max } : {}),
    lostPct: sent ? (100 * (sent * readerCount - delivered)) / (sent * readerCount) : NaN,
  };
}
