// Preloaded into every server process under test (`--import`, also through NODE_OPTIONS for
// ours). Plain JavaScript on purpose: it loads before any TypeScript loader is registered,
// and it works the same under tsx and for a compiled server. Two probes, each one signal
// answered with one JSON line on stdout:
//  - SIGUSR2: collects garbage twice and prints the process's memory ("bench memory"), so
//    memory per socket is measured the same way for every server;
//  - SIGWINCH: starts measuring the event loop's delay (perf_hooks histogram, 1 ms
//    resolution); the next SIGWINCH prints its percentiles since the start ("bench lag")
//    and stops. Off between windows, so the other scenarios pay nothing for it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

process.on('SIGUSR2', () => {
  gc();
  gc();
  const m = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      msg: 'bench memory',
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    }) + '\n',
  );
});

let lag = null;
process.on('SIGWINCH', () => {
  if (!lag) {
    lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    process.stdout.write(JSON.stringify({ msg: 'bench lag started' }) + '\n');
    return;
  }
  lag.disable();
  const ms = (ns) => ns / 1e6;
  process.stdout.write(
    JSON.stringify({
      msg: 'bench lag',
      p50: ms(lag.percentile(50)),
      p99: ms(lag.percentile(99)),
      max: ms(lag.max),
      samples: lag.count,
    }) + '\n',
  );
  lag = null;
});
