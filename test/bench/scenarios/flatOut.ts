import * as Y from 'yjs';
import type { BenchClient } from '../load/BenchClient.ts';
import { closeAll, connectAll } from '../load/connectAll.ts';
import { WritingDoc } from '../load/WritingDoc.ts';
import { sleep, waitUntil, type Scenario } from './Scenario.ts';

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
  async run(target, o) {
    const writerCount = o.n['flat-writers'];
    const readerCount = Math.max(1, o.n['flat-readers']);
    const window = o.n['flat-window'];
    const docId = target.docId('flat', 0);
    const writers = Array.from({ length: writerCount }, (_, i) => new WritingDoc(i + 1));
    const inFlight = new Map<number, number>(writers.map((w) => [w.clientID, 0]));
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
      while (running && (inFlight.get(writer.clientID) ?? 0) < window) {
        client.sendUpdate(docId, writer.write().update);
        inFlight.set(writer.clientID, (inFlight.get(writer.clientID) ?? 0) + 1);
        sent++;
      }
    };
    const readers = await connectAll(readerCount, readerCount, (r) =>
      target.open(docId, {
        docs: new Map(),
        applyRemote: false,
        onUpdate: (_doc, update) => {
          const meta = Y.parseUpdateMeta(update);
          let count = 0;
          for (const [client, from] of meta.from) {
            const n = (meta.to.get(client) ?? from) - from;
            count += n;
            if (r === 0 && inFlight.has(client)) {
              inFlight.set(client, (inFlight.get(client) ?? 0) - n);
              pump(client - 1);
            }
          }
          readerCounts[r]! += count;
          if (measuring) {
            measuredDeliveries += count;
            if (r === 0) measured += count;
          }
        },
      }),
    );
    writerClients.push(
      ...(await connectAll(writerCount, writerCount, (i) =>
        target.open(docId, {
          docs: new Map([[docId, writers[i]!.doc]]),
          applyRemote: false,
        }),
      )),
    );

    running = true;
    writers.forEach((_, i) => pump(i));
    await sleep(o.n['warmup-ms']);
    measuring = true;
    const cpuStart = target.cpuMs();
    await sleep(o.n['measure-ms']);
    measuring = false;
    const cpuMs = target.cpuMs() - cpuStart;
    running = false;
    await waitUntil(() => readerCounts.every((c) => c >= sent), 10_000);
    const delivered = readerCounts.reduce((a, b) => a + Math.min(b, sent), 0);
    await closeAll([...readers, ...writerClients]);
    return {
      updatesPerSec: (measured / o.n['measure-ms']) * 1000,
      deliveriesPerSec: (measuredDeliveries / o.n['measure-ms']) * 1000,
      cpuPerUpdateUs: (1000 * cpuMs) / measured,
      lostPct: sent ? (100 * (sent * readerCount - delivered)) / (sent * readerCount) : NaN,
    };
  },
};
