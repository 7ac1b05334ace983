import { WRITER_LABELS, type WriterKind } from '../load/WritingDoc.ts';
import type { BenchOptions } from '../options.ts';
import type { RunningTarget } from '../targets/Target.ts';
import { runFlood } from './flatOut.ts';
import { runLatency } from './latencyRun.ts';
import type { Measured, MetricDef, Scenario } from './Scenario.ts';

/**
 * Issue 13's writers that grow documents — stock y-websocket clients appending to a growing
 * Y.Text, and a writer typing into a rich-text description — in the shapes of issue 3:
 * one doc × many clients, many docs × few clients, and a flood. Each scenario runs once per
 * writer kind (`--writers`, default text,rich; `map` is the existing fanout/rooms/flat-out)
 * and prints one row per kind and metric. Ours speaks the stock y-websocket protocol on
 * `/yjs/:docId`, exactly as the peers are spoken to (BENCH_OURS_WIRE=sync switches it to
 * `/sync`); persistence and auth stay on.
 */
const WIRE = 'yjs' as const;

interface Variant {
  readonly key: string;
  readonly label: string;
  run(target: RunningTarget, o: BenchOptions): Promise<Measured>;
}

/** One row per variant and metric; keys `<variant>.<metric>`. */
function variantMetrics(
  variants: readonly { key: string; label: string }[],
  metrics: readonly MetricDef[],
): MetricDef[] {
  return variants.flatMap((v) =>
    metrics.map((m) => ({ ...m, key: `${v.key}.${m.key}`, label: `${v.label}: ${m.label}` })),
  );
}

async function runVariants(
  variants: readonly Variant[],
  target: RunningTarget,
  o: BenchOptions,
): Promise<Measured> {
  const out: Measured = {};
  for (const v of variants) {
    const values = await v.run(target, o);
    for (const [key, value] of Object.entries(values)) out[`${v.key}.${key}`] = value;
  }
  return out;
}

const latencyRows: readonly MetricDef[] = [
  { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower' },
  { key: 'cpuPerUpdateUs', label: 'server CPU per update written', unit: 'µs', better: 'lower' },
  {
    key: 'cpuPerDeliveryUs',
    label: 'server CPU per delivered update',
    unit: 'µs',
    better: 'lower',
  },
  { key: 'lostPct', label: 'not delivered', unit: '%', better: 'lower' },
  { key: 'echoPct', label: 'writes echoed to their sender', unit: '%', better: 'lower' },
];

const kindsOf = (o: BenchOptions) => o.writers;
const kindVariants = (o: BenchOptions) =>
  kindsOf(o).map((kind) => ({ key: kind, label: WRITER_LABELS[kind] }));

function latencyScenario(
  name: 'grow-fanout' | 'grow-rooms',
  shape: (o: BenchOptions) => { docs: number; clients: number; rate: number },
): Scenario {
  const variants = (o: BenchOptions): Variant[] =>
    kindsOf(o).map((kind: WriterKind) => ({
      key: kind,
      label: WRITER_LABELS[kind],
      run: (target, opts) => {
        const s = shape(opts);
        return runLatency(target, {
          scope: `${name}-${kind}`,
          docs: s.docs,
          clientsPerDoc: s.clients,
          rate: s.rate,
          warmupMs: opts.n['grow-warmup-ms'],
          measureMs: opts.n['grow-measure-ms'],
          concurrency: opts.n['connect-concurrency'],
          seed: opts.n.seed,
          writer: kind,
          wire: WIRE,
        });
      },
    }));
  return {
    name,
    title: (o) => {
      const s = shape(o);
      return (
        `${s.docs === 1 ? 'one doc' : `${s.docs} docs`} × ${s.clients} clients, each ${s.rate} ` +
        `updates/s, writers: ${kindsOf(o).join(', ')}, ${o.n['grow-measure-ms'] / 1000} s measured each`
      );
    },
    metrics: [],
    metricsFor: (o) => variantMetrics(kindVariants(o), latencyRows),
    notes: [
      "ours: stock y-websocket protocol on /yjs/:docId, SQLite persistence and token auth on (BENCH_OURS_WIRE=sync: /sync); the update-rate limiter runs with UPDATE_RATE_PER_CONNECTION/PER_WORKSPACE=1,000,000/s (BENCH_OURS_PLAN_RATES=1: the trial plan's 100/s and 300/s).",
      'CPU per delivered update: server CPU over the measured window ÷ updates that reached another client.',
    ],
    notApplicable: () => null,
    run: (target, o) => runVariants(variants(o), target, o),
  };
}

export const growFanoutScenario = latencyScenario('grow-fanout', (o) => ({
  docs: 1,
  clients: o.n['fanout-clients'],
  rate: o.n['fanout-rate'],
}));

export const growRoomsScenario = latencyScenario('grow-rooms', (o) => ({
  docs: o.n['rooms-docs'],
  clients: o.n['rooms-clients'],
  rate: o.n['rooms-rate'],
}));

const floodRows: readonly MetricDef[] = [
  { key: 'updatesPerSec', label: 'updates/s delivered', unit: '/s', better: 'higher' },
  {
    key: 'cpuPerDeliveryUs',
    label: 'server CPU per delivered update',
    unit: 'µs',
    better: 'lower',
  },
  { key: 'lostPct', label: 'not delivered', unit: '%', better: 'lower' },
  {
    key: 'lagP99',
    label: 'event-loop lag p99 inside the server',
    unit: 'ms',
    better: 'lower',
  },
];

const floodWindows = (o: BenchOptions) => [o.n['flood-window-small'], o.n['flood-window-large']];

const floodVariants = (o: BenchOptions): Variant[] =>
  kindsOf(o).flatMap((kind) =>
    floodWindows(o).map((window) => ({
      key: `${kind}-${window}`,
      label: `${WRITER_LABELS[kind]}, ${window} in flight`,
      run: (target: RunningTarget, opts: BenchOptions) =>
        runFlood(target, {
          scope: `flood-${kind}-${window}`,
          writers: opts.n['flood-writers'],
          readers: opts.n['flood-readers'],
          window,
          warmupMs: opts.n['grow-warmup-ms'],
          measureMs: opts.n['grow-measure-ms'],
          writer: kind,
          wire: WIRE,
          lag: true,
        }),
    })),
  );

export const growFloodScenario: Scenario = {
  name: 'grow-flood',
  title: (o) =>
    `one doc, ${o.n['flood-writers']} writers flat out with ${floodWindows(o).join(' and ')} ` +
    `updates in flight each + ${o.n['flood-readers']} readers, writers: ${kindsOf(o).join(', ')}, ` +
    `${o.n['grow-measure-ms'] / 1000} s measured each`,
  metrics: [],
  metricsFor: (o) => variantMetrics(floodVariants(o), floodRows),
  notes: [
    "ours: stock y-websocket protocol on /yjs/:docId, SQLite persistence and token auth on (BENCH_OURS_WIRE=sync: /sync); the update-rate limiter runs with UPDATE_RATE_PER_CONNECTION/PER_WORKSPACE=1,000,000/s (BENCH_OURS_PLAN_RATES=1: the trial plan's 100/s and 300/s).",
    'updates/s: distinct writes that reached the first reader; CPU per delivered update: server CPU ÷ deliveries to all readers.',
  ],
  notApplicable: () => null,
  run: (target, o) => runVariants(floodVariants(o), target, o),
};
