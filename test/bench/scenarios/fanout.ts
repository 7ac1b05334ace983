import { runLatency, latencyMetrics } from './latencyRun.ts';
import type { Scenario } from './Scenario.ts';

/** One doc, many clients: how fast does one keystroke reach everybody else? */
export const fanoutScenario: Scenario = {
  name: 'fanout',
  title: (o) =>
    `one doc × ${o.n['fanout-clients']} clients, each ${o.n['fanout-rate']} updates/s, ` +
    `${o.n['measure-ms'] / 1000} s measured`,
  metrics: latencyMetrics,
  notApplicable: () => null,
  run: (target, o) =>
    runLatency(target, {
      scope: 'fanout',
      docs: 1,
      clientsPerDoc: o.n['fanout-clients'],
      rate: o.n['fanout-rate'],
      warmupMs: o.n['warmup-ms'],
      measureMs: o.n['measure-ms'],
      concurrency: o.n['connect-concurrency'],
      seed: o.n.seed,
    }),
};
