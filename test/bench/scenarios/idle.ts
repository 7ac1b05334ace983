import { closeAll, connectAll } from '../load/connectAll.ts';
import { sleep, type Scenario } from './Scenario.ts';

/**
 * Idle sockets: the server's memory after a full GC, before and after `idle-sockets`
 * sockets have connected and synced (spread evenly over `idle-docs` docs), divided by the
 * number of sockets. Includes the docs' own share, which is small and the same for all.
 */
export const idleScenario: Scenario = {
  name: 'idle',
  title: (o) => `${o.n['idle-sockets']} idle sockets over ${o.n['idle-docs']} docs`,
  metrics: [
    { key: 'rssPerSocket', label: 'RSS per socket', unit: 'KiB', better: 'lower' },
    { key: 'heapPerSocket', label: 'JS heap per socket', unit: 'KiB', better: 'lower' },
    { key: 'connectMs', label: 'time to connect and sync all', unit: 'ms', better: 'lower' },
  ],
  notApplicable: () => null,
  async run(target, o) {
    const sockets = o.n['idle-sockets'];
    const docs = Math.max(1, o.n['idle-docs']);
    const before = await target.memory();
    const started = performance.now();
    const clients = await connectAll(sockets, o.n['connect-concurrency'], (i) =>
      target.open(target.docId('idle', i % docs), { docs: new Map(), applyRemote: false }),
    );
    const connectMs = performance.now() - started;
    await sleep(o.quick ? 200 : 1_000); // let per-connection timers and buffers settle
    const after = await target.memory();
    await closeAll(clients);
    return {
      rssPerSocket: (after.rss - before.rss) / sockets / 1024,
      heapPerSocket: (after.heapUsed - before.heapUsed) / sockets / 1024,
      connectMs,
    };
  },
};
