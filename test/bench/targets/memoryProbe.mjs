// Preloaded into every server process under test (`--import`, also through NODE_OPTIONS for
// ours). On SIGUSR2 it collects garbage twice and prints one JSON line with the process's
// memory, so the benchmark can measure memory per socket the same way for every server.
// Plain JavaScript on purpose: it loads before any TypeScript loader is registered.
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
