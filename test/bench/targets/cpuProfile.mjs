// A CPU profile of the server under test, from its start to its exit (issue 13: where each
// update's CPU goes). Node refuses `--cpu-prof` in NODE_OPTIONS, which is how the bench
// passes flags to our server, so this preload starts the inspector's sampling profiler
// instead and writes `<pid>.cpuprofile` (Chrome DevTools format) on exit:
//   BENCH_OURS_NODE_OPTIONS="--import $PWD/test/bench/targets/cpuProfile.mjs" \
//   BENCH_CPU_PROFILE_DIR=/tmp/prof pnpm bench --servers=ours --scenarios=grow-rooms
// The main thread only (the off-thread worker is not sampled); 1 ms sampling.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

const dir = process.env.BENCH_CPU_PROFILE_DIR ?? '.';
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
// The in-process session answers synchronously, so the profile is written before exit.
process.on('exit', () => {
  session.post('Profiler.stop', (err, result) => {
    if (err) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
