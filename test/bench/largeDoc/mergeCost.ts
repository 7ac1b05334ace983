import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { docOps } from '../../../sync-server/src/offthread/docOps.ts';

/**
 * What merging a large doc's stored parts costs — its merged state plus the small updates
 * logged since its last compaction, as a first sync, a load and a compaction of a doc
 * written flat out merge them on the worker — with one `Y.mergeUpdates` over every part
 * (before 816fbf9) and with `docOps.merge` (the log merged in a tree, the state last).
 * Run: `pnpm exec tsx test/bench/largeDoc/mergeCost.ts [rows] [log rows, comma-separated]`.
 */
const rows = Number(process.argv[2] ?? 20_000);
const logged = (process.argv[3] ?? '1000,3000,10000').split(',').map(Number);

const doc = new Y.Doc();
const tickets = doc.getMap<Y.Map<string>>('tickets');
doc.transact(() => {
  for (let i = 0; i < rows; i++) {
    const row = new Y.Map<string>();
    row.set('title', `ticket ${i} `.repeat(10));
    row.set('status', 'open');
    tickets.set(String(i), row);
  }
});
const state = Y.encodeStateAsUpdate(doc);
const log: Uint8Array[] = [];
doc.on('update', (update: Uint8Array) => log.push(update));
for (const count of logged) {
  while (log.length < count)
    tickets.get(String(log.length % rows))!.set('status', `s${log.length}`);
  const parts = [state, ...log.slice(0, count)];
  let started = performance.now();
  Y.mergeUpdates(parts);
  const flatMs = performance.now() - started;
  started = performance.now();
  docOps.merge(parts);
  const treeMs = performance.now() - started;
  console.log(
    JSON.stringify({
      stateMiB: +(state.byteLength / 2 ** 20).toFixed(1),
      logRows: count,
      oneMergeMs: Math.round(flatMs),
      docOpsMergeMs: Math.round(treeMs),
    }),
  );
}
