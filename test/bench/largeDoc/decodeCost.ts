import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { makeRealisticWorkspace } from '../seed/realisticTickets.ts';

/**
 * What a document costs on the event loop, by size: decoding its stored state into a Y.Doc
 * (a room's cold load) and encoding it for a new device's first sync. The figures chose
 * `SyncLimits.largeDocBytes`. Run: `pnpm exec tsx test/bench/largeDoc/decodeCost.ts`.
 */
const counts = (process.argv[2] ?? '100,250,500,1000,2500,5000,10000').split(',').map(Number);

function best(run: () => void, times = 3): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    run();
    min = Math.min(min, performance.now() - started);
  }
  return min;
}

for (const count of counts) {
  const { index } = makeRealisticWorkspace(count);
  const state = Y.encodeStateAsUpdate(index);
  index.destroy();
  let doc = new Y.Doc();
  const load = best(() => {
    doc.destroy();
    doc = new Y.Doc();
    Y.applyUpdate(doc, state);
  });
  const encode = best(() => Y.encodeStateAsUpdate(doc));
  const diff = best(() => Y.diffUpdate(state, new Uint8Array([0])));
  const stateVector = best(() => Y.encodeStateVectorFromUpdate(state));
  const mb = state.byteLength / 1024 / 1024;
  console.log(
    JSON.stringify({
      tickets: count,
      kib: Math.round(state.byteLength / 1024),
      loadMs: +load.toFixed(1),
      encodeMs: +encode.toFixed(1),
      diffFromBytesMs: +diff.toFixed(1),
      stateVectorFromBytesMs: +stateVector.toFixed(1),
      loadPlusEncodeMsPerMiB: +((load + encode) / mb).toFixed(1),
    }),
  );
  doc.destroy();
}
