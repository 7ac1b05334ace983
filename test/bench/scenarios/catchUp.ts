import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { BenchClient } from '../load/BenchClient.ts';
import { closeAll, connectAll, totalBytes } from '../load/connectAll.ts';
import type { RunningTarget } from '../targets/Target.ts';
import { holdsWithin } from '@desk/protocol/testing';
import type { Measured, Scenario } from './Scenario.ts';

/**
 * A client holding `catchup-docs` docs was offline while `catchup-changed` of them changed.
 * Two ways back, both timed from the first byte to the last change applied, with every byte
 * on the wire counted (HTTP upgrades and WebSocket framing included):
 *  - reconnect every doc, one socket each, each running a full state-vector exchange (what
 *    the stock y-websocket provider does; measured on every server that keeps docs);
 *  - ours only: one /sync socket, one catch-up question per workspace, then a state-vector
 *    exchange for the changed docs alone.
 */
export const catchUpScenario: Scenario = {
  name: 'catch-up',
  title: (o) =>
    `reconnect holding ${o.n['catchup-docs']} docs of which ${o.n['catchup-changed']} changed`,
  metrics: [
    {
      key: 'catchUpMs',
      label: 'catch-up time ¹',
      unit: 'ms',
      better: 'lower',
      compareWith: 'reconnectMs',
    },
    {
      key: 'catchUpKiB',
      label: 'catch-up bytes on the wire ¹',
      unit: 'KiB',
      better: 'lower',
      compareWith: 'reconnectKiB',
    },
    {
      key: 'catchUpDocs',
      label: 'catch-up docs exchanged ¹',
      unit: 'docs',
      better: 'lower',
      compareWith: 'reconnectDocs',
    },
    {
      key: 'reconnectMs',
      label: 'reconnect every doc (one socket each): time',
      unit: 'ms',
      better: 'lower',
    },
    {
      key: 'reconnectKiB',
      label: 'reconnect every doc: bytes on the wire',
      unit: 'KiB',
      better: 'lower',
    },
    {
      key: 'reconnectDocs',
      label: 'reconnect every doc: docs exchanged',
      unit: 'docs',
      better: 'lower',
    },
    {
      key: 'changesSeen',
      label: 'changed docs that arrived (check)',
      unit: 'docs',
      better: 'neither',
    },
  ],
  notes: [
    '¹ ours: one /sync socket, catch-up by workspace sequence, then only the changed docs; ' +
      'the others: their only way, one socket per doc reconnecting (the rows below).',
  ],
  notApplicable: (server) =>
    server === 'ws-relay'
      ? 'a relay keeps no documents, there is nothing to catch up from'
      : server === 'hocuspocus'
        ? 'in-memory Hocuspocus unloads a document (and, with no storage, loses it) when its last socket closes, so an offline client has nothing to catch up from'
        : null,
  async run(target, o) {
    const docCount = o.n['catchup-docs'];
    const changed = Math.min(o.n['catchup-changed'], docCount);
    const concurrency = o.n['connect-concurrency'];
    const docIds = Array.from({ length: docCount }, (_, i) => target.docId('catchup', i));

    // 1. The client's replicas, each with a little content, stored on the server.
    const held = docIds.map((_, i) => {
      const doc = new Y.Doc();
      doc.getMap('fields').set('title', `Ticket ${i}: printer on floor ${i % 7} is jammed again`);
      doc
        .getText('description')
        .insert(0, 'It prints half a page, then stops with a blinking light.');
      return Y.encodeStateAsUpdate(doc);
    });
    await pushDocs(
      target,
      docIds,
      docIds.map((_, i) => held[i]!),
      concurrency,
    );

    // Where a /sync client would have left off: the workspace sequence after its own writes.
    let since: { seq: number; generation: string } | null = null;
    if (target.mux) {
      const probe = target.mux.open({ docs: new Map(), applyRemote: false });
      await probe.synced;
      const result = await probe.catchUp(target.mux.workspaceId, 0, '');
      since = { seq: result.seq, generation: result.generation };
      await probe.close();
    }

    // 2. While the client is away, someone else edits `changed` docs.
    const changedIds = docIds
      .filter((_, i) => i % Math.floor(docCount / changed) === 0)
      .slice(0, changed);
    await pushDocs(
      target,
      changedIds,
      changedIds.map(() => {
        const doc = new Y.Doc();
        doc.getMap('fields').set('status', 'solved');
        return Y.encodeStateAsUpdate(doc);
      }),
      concurrency,
    );

    const replicas = () =>
      new Map(
        docIds.map((id, i) => {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, held[i]!);
          return [id, doc] as const;
        }),
      );
    const solved = (docs: Map<string, Y.Doc>) =>
      changedIds.filter((id) => docs.get(id)?.getMap('fields').get('status') === 'solved').length;
    const measured: Measured = {};

    // 3a. Ours: one socket, one question, then only the changed docs.
    if (target.mux && since) {
      const docs = replicas();
      const t0 = performance.now();
      const client = target.mux.open({ docs, applyRemote: true });
      await client.synced;
      const result = await client.catchUp(target.mux.workspaceId, since.seq, since.generation);
      const toSync = result.full ? docIds : result.changed.map((c) => c.docId);
      await client.subscribe(toSync);
      measured.catchUpMs = performance.now() - t0;
      await client.close();
      const bytes = client.bytes();
      measured.catchUpKiB = (bytes.sent + bytes.received) / 1024;
      measured.catchUpDocs = toSync.length;
      measured.changesSeen = solved(docs);
    }

    // 3b. Everyone: reconnect every doc with its own socket.
    const docs = replicas();
    const t0 = performance.now();
    const clients = await connectAll(docCount, concurrency, (i) =>
      target.open(docIds[i]!, { docs, applyRemote: true }),
    );
    measured.reconnectMs = performance.now() - t0;
    await closeAll(clients);
    const bytes = totalBytes(clients);
    measured.reconnectKiB = (bytes.sent + bytes.received) / 1024;
    measured.reconnectDocs = docCount;
    measured.changesSeen ??= solved(docs);
    return measured;
  },
};

/**
 * Writes each doc's content to the server and waits until it is stored. Ours: all docs on
 * one /sync socket (setup, not measured, so the fastest way), done when every push is
 * acknowledged (acks mean durably stored). The others: one socket per doc, done when their
 * sync step 2 answers a step 1 sent after the update (they handle a socket's frames in order).
 */
async function pushDocs(
  target: RunningTarget,
  docIds: readonly string[],
  updates: readonly Uint8Array[],
  concurrency: number,
): Promise<void> {
  let acks = 0;
  const docs = new Map(
    docIds.map((id, i) => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, updates[i]!);
      return [id, doc] as const;
    }),
  );
  const options = {
    docs,
    applyRemote: false,
    pushOnOpen: true,
    onAck: (_doc: string, count: number) => (acks += count),
  };
  if (target.mux) {
    const client = target.mux.open(options);
    await client.synced;
    await client.subscribe(docIds);
    if (!(await holdsWithin(() => acks >= docIds.length, 60_000))) {
      throw new Error(`only ${acks} of ${docIds.length} pushed docs were acknowledged`);
    }
    await client.close();
    return;
  }
  const clients: BenchClient[] = await connectAll(docIds.length, concurrency, (i) =>
    target.open(docIds[i]!, options),
  );
  await closeAll(clients);
}
