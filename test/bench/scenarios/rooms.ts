import { runLatency, latencyMetrics } from './latencyRun.ts';
import type { Scenario } from './Scenario.ts';

/** Many small rooms at once: the per-doc overhead of a server under a realistic spread. */
export const roomsScenario: Scenario = {
  name: 'rooms',
  title: (o) =>
    `${o.n['rooms-docs']} docs × ${o.n['rooms-clients']} clients, each ${o.n['rooms-rate']} ` +
    `update/s, ${o.n['measure-ms'] / 1000} s measured`,
  metrics: latencyMetrics,
  notApplicable: () => null,
  run: (target, o) =>
    runLatency(target, {
      scope: 'rooms',
      docs: o.n['rooms-docs'],
      clientsPerDoc: o.n['rooms-clients'],
      rate: o.n['rooms-rate'],
      warmupMs: o.n['warmup-ms'],
      measureMs: o.n['measure-ms'],
      concurrency: o.n['connect-concurrency'],
      seed: o.n.seed,
    }),
};
