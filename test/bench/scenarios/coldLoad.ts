import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { closeAll, connectAll } from '../load/connectAll.ts';
import type { BenchClient } from '../load/BenchClient.ts';
import { appendToLog, loggedUpdates } from '../targets/seedOurs.ts';
import type { RunningTarget } from '../targets/Target.ts';
import { holdsWithin } from '@desk/protocol/testing';
import type { Measured, Scenario } from './Scenario.ts';

/**
 * A doc written as `coldload-updates` separate updates (someone typing a long description,
 * one word per update), then opened by a fresh client with an empty replica. For ours the
 * server is restarted first, so the open loads the doc from SQLite (its merged state plus
 * whatever is still in the update log); the peers keep docs in memory only, so for them
 * only the warm open is measured, for reference.
 */
export const coldLoadScenario: Scenario = {
  name: 'cold-load',
  title: (o) => `open a doc written as ${o.n['coldload-updates']} updates (ours: after a restart)`,
  metrics: [
    {
      key: 'coldMs',
      label: 'cold open ¹ (server restarted): time to synced',
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'coldLogMs',
      label: 'cold open ², every update still in the log: time to synced',
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'warmMs',
      label: 'warm open (doc in memory): time to synced',
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'receivedKiB',
      label: 'bytes received by the opening client',
      unit: 'KiB',
      better: 'lower',
    },
    {
      key: 'logRows',
      label: 'update-log rows of doc ¹ at its cold open',
      unit: 'rows',
      better: 'neither',
    },
  ],
  notes: [
    '¹ written through the socket, so the server compacted its log as in production (at 500 rows);',
    '² a second doc whose updates were appended one row each straight into SQLite while the server was stopped: the worst case, all replayed at load.',
  ],
  notApplicable: (server) => (server === 'ws-relay' ? 'a relay keeps no documents to load' : null),
  async run(target, o) {
    const updates = o.n['coldload-updates'];
    const docId = target.docId('cold', 0);
    const writerDoc = new Y.Doc();
    writerDoc.clientID = 1;
    let seenClock = 0;
    const observer = await connectAll(1, 1, () =>
      target.open(docId, {
        docs: new Map(),
        applyRemote: false,
        onUpdate: (_doc, update) => {
          const to = Y.parseUpdateMeta(update).to.get(1);
          if (to !== undefined && to > seenClock) seenClock = to;
        },
      }),
    );
    const [writer] = await connectAll(1, 1, () =>
      target.open(docId, { docs: new Map([[docId, writerDoc]]), applyRemote: false }),
    );
    await writeWords(writer!, writerDoc, docId, updates, () => seenClock);
    const measured: Measured = {};

    if (target.restart && target.dataDir) {
      const dataDir = target.dataDir;
      await closeAll([writer!, ...observer]);
      const logDocId = target.docId('cold-log', 0);
      const logUpdates = typeWords(updates);
      await target.restart(() => appendToLog(dataDir, logDocId, logUpdates));
      measured.logRows = loggedUpdates(dataDir, docId).logCount;
      const cold = await openOnce(target, docId);
      measured.coldMs = cold.ms;
      measured.receivedKiB = cold.receivedKiB;
      measured.coldLogMs = (await openOnce(target, logDocId)).ms;
      measured.warmMs = (await openOnce(target, docId)).ms;
    } else {
      // Keep the writer connected: in-memory servers may drop a doc with no sockets.
      const warm = await openOnce(target, docId);
      measured.warmMs = warm.ms;
      measured.receivedKiB = warm.receivedKiB;
      await closeAll([writer!, ...observer]);
    }
    return measured;
  },
};

/** The updates of someone typing `count` words, one update per word. */
function typeWords(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const text = doc.getText('description');
  for (let i = 0; i < count; i++) text.insert(text.length, `word${i % 10} `);
  return updates;
}

/** Types `count` words, one update each, at most 256 in flight (confirmed by the observer). */
async function writeWords(
  client: BenchClient,
  doc: Y.Doc,
  docId: string,
  count: number,
  seen: () => number,
): Promise<void> {
  const text = doc.getText('description');
  let last: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (last = u));
  const word = (i: number) => `word${i % 10} `; // 6 characters = 6 clock ticks
  for (let i = 0; i < count; i++) {
    text.insert(text.length, word(i));
    client.sendUpdate(docId, last!);
    if (i % 256 === 255) {
      const clock = Y.getState(doc.store, 1);
      if (!(await holdsWithin(() => seen() >= clock - 256 * word(0).length, 30_000))) {
        throw new Error('the server stopped forwarding the cold doc updates');
      }
    }
  }
  const final = Y.getState(doc.store, 1);
  if (!(await holdsWithin(() => seen() >= final, 60_000))) {
    throw new Error(`only ${seen()} of ${final} clock ticks of the cold doc arrived`);
  }
}

async function openOnce(
  target: RunningTarget,
  docId: string,
): Promise<{ ms: number; receivedKiB: number }> {
  const doc = new Y.Doc();
  const t0 = performance.now();
  const [client] = await connectAll(1, 1, () =>
    target.open(docId, { docs: new Map([[docId, doc]]), applyRemote: true }),
  );
  const ms = performance.now() - t0;
  await closeAll([client!]);
  if (doc.getText('description').length === 0) throw new Error('the opened doc was empty');
  return { ms, receivedKiB: client!.bytes().received / 1024 };
}
