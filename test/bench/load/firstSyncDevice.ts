// A new device's first sync of one document, in its own process so that applying a large
// document never blocks the bench's own event loop (which measures latencies meanwhile):
// the product's client (`@desk/client` SyncClient over `/sync`, in-memory local store)
// opens the doc with an empty replica and waits until it is synced. Prints one JSON line:
// { synced, ms, closes: [{ code, reason }], events, rootEntries, rssMiB } (synced false: not
// within --timeout-ms; ms is then the time waited) — closes are every socket close
// the client saw (a slow-consumer close 4429 and its reconnect show up here).
// Run by load/device.ts: node --import tsx firstSyncDevice.ts --url WS --doc ID [--root tickets] [--timeout-ms N]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { MemoryStore, SyncClient } from '@desk/client';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    doc: { type: 'string' },
    root: { type: 'string', default: 'tickets' },
    'timeout-ms': { type: 'string', default: '300000' },
  },
});

async function main(): Promise<void> {
  if (!values.url || !values.doc) throw new Error('needs --url and --doc');
  const closes: { code: unknown; reason: unknown }[] = [];
  // The client's diagnostics (malformed frames, refusals, reconnects), to tell who closed.
  const events: string[] = [];
  const t0 = performance.now();
  const client = new SyncClient({
    url: values.url,
    WebSocket,
    store: new MemoryStore(),
    log: (event, details) => {
      if (event === 'closed') closes.push({ code: details.code, reason: details.reason });
      // catch_up is every connection's routine question; the rest says something went wrong.
      if (event !== 'catch_up' && events.length < 20)
        events.push(`${event} ${JSON.stringify(details).slice(0, 160)}`);
    },
  });
  const handle = client.open(values.doc);
  // Not synced in time is a result too (printed with synced: false), not a crash.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Number(values['timeout-ms']));
  });
  let synced: boolean;
  try {
    synced = await Promise.race([handle.whenSynced.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - t0;
  const rootEntries = handle.doc.getMap(values.root).size;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ synced, ms, closes, events, rootEntries, rssMiB })}\n`);
  handle.release();
  await client.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
