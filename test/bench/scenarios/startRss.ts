import fs from 'node:fs';
import { sleep, type Scenario } from './Scenario.ts';

/**
 * Memory of a server process at start, before any socket (issue 13: within 1.5× of
 * y-websocket's): its resident set as the kernel reports it once start-up has settled, and
 * again after two full GCs (the memory probe), with the JS heap. Always a fresh process,
 * also with `--reuse-servers` and `--quick`.
 */
export const startRssScenario: Scenario = {
  name: 'start-rss',
  title: () => 'memory at start, before any socket (2 s after listening)',
  metrics: [
    { key: 'rssMiB', label: 'RSS at start', unit: 'MiB', better: 'lower' },
    { key: 'rssGcMiB', label: 'RSS after two full GCs', unit: 'MiB', better: 'lower' },
    { key: 'heapMiB', label: 'JS heap after two full GCs', unit: 'MiB', better: 'lower' },
  ],
  notes: [
    'ours: the server as `pnpm start` runs it (see BENCHMARKS.md), SQLite open, no document loaded; the peers: in memory.',
  ],
  freshServer: true,
  notApplicable: () => null,
  async run(target) {
    await sleep(2_000);
    const rss = residentBytes(target.pid);
    const after = await target.memory();
    return {
      rssMiB: rss / 2 ** 20,
      rssGcMiB: after.rss / 2 ** 20,
      heapMiB: after.heapUsed / 2 ** 20,
    };
  },
};

/** VmRSS of a process from /proc (Linux; NaN elsewhere). */
export function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? NaN : Number(kib) * 1024;
  } catch {
    return NaN;
  }
}
