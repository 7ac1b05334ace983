import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { seededRandom, until } from '@desk/protocol/testing';
import { startSyncServer } from '../../../test/support/sync/startSyncServer.ts';
import type { DocHandle } from './doc/DocHandle.ts';
import { MemoryStore } from './store/MemoryStore.ts';
import { SyncClient } from './SyncClient.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';

// Randomized convergence against the real server: several SyncClients edit several docs
// while being disconnected and reconnected at random; at the end every replica and the
// server's stored state are identical. Seeded: a failure prints its seed; replay with
// CONVERGENCE_SEED=<seed>.
const SEEDS = process.env.CONVERGENCE_SEED
  ? [Number(process.env.CONVERGENCE_SEED)]
  : Array.from({ length: Number(process.env.CONVERGENCE_RUNS ?? 3) }, (_, i) => i + 1);
const CLIENTS = 4;
const DOCS = ['ws1:ticket:a', 'ws1:ticket:b', 'ws1:index'];
const STEPS = 300;

const users = Object.fromEntries(
  Array.from({ length: CLIENTS }, (_, i) => [
    `tok-${i}`,
    { userId: `u${i}`, workspaces: { ws1: 'write' as const } },
  ]),
);

const defer = cleanupAfterEach();

function snapshot(doc: Y.Doc): unknown {
  const map = doc.getMap('m').toJSON();
  // Sorted: a Y.Map's key order is its local insertion order, which differs by replica.
  return {
    text: doc.getText('t').toString(),
    map: Object.keys(map)
      .sort()
      .map((k) => [k, map[k]]),
  };
}

describe('convergence', () => {
  it.each(SEEDS)('every replica and the server end identical (seed %i)', async (seed) => {
    const random = seededRandom(seed).next;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const t = await startSyncServer(users);
    defer(() => t.stop());
    const newClient = (i: number, store: MemoryStore) => {
      const client = new SyncClient({
        url: `${t.url.replace(/^http/, 'ws')}/sync?token=tok-${i}`,
        WebSocket,
        store,
        backoff: { baseMs: 10, maxMs: 50, minMs: 1, random },
        releaseGraceMs: 0,
      });
      defer(() => client.close());
      return client;
    };
    const clients = Array.from({ length: CLIENTS }, (_, i) => {
      const store = new MemoryStore();
      const client = newClient(i, store);
      return { i, store, client, handles: DOCS.map((id) => client.open(id)), online: true };
    });

    try {
      for (let step = 0; step < STEPS; step++) {
        const peer = pick(clients);
        const roll = random();
        if (roll < 0.06) {
          if (peer.online) peer.client.disconnect();
          else peer.client.reconnect();
          peer.online = !peer.online;
        } else if (roll < 0.09) {
          // Close the doc (it unloads at once) and open it again from the local store.
          const d = Math.floor(random() * DOCS.length);
          peer.handles[d]!.release();
          peer.handles[d] = peer.client.open(DOCS[d]!);
          await peer.handles[d].whenLoaded;
        } else if (roll < 0.1) {
          // A page reload: a new client over the same local store.
          await peer.client.close();
          peer.client = newClient(peer.i, peer.store);
          peer.handles = DOCS.map((id) => peer.client.open(id));
          peer.online = true;
        } else {
          edit(pick(peer.handles), random);
        }
        // Let frames flow now and then, so edits interleave with sync instead of batching.
        if (random() < 0.3) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (const peer of clients) if (!peer.online) peer.client.reconnect();
      await until(
        () =>
          clients.every(
            ({ client, handles }) =>
              client.status.kind === 'synced' && handles.every((h) => h.status.kind === 'synced'),
          ),
        'every client synced',
        10_000,
      );
      // Each client has acknowledgements for its own changes; others' may still be in
      // flight to it. Wait until the replicas agree, then compare with the server.
      await until(
        () =>
          DOCS.every((_, d) => {
            const first = JSON.stringify(snapshot(clients[0]!.handles[d]!.doc));
            return clients.every((p) => JSON.stringify(snapshot(p.handles[d]!.doc)) === first);
          }),
        'replicas to agree',
        10_000,
      );
      for (const [d, docId] of DOCS.entries()) {
        const stored = new Y.Doc();
        Y.applyUpdate(stored, await t.server.sync.readDocState(docId));
        for (const peer of clients)
          expect(snapshot(peer.handles[d]!.doc)).toEqual(snapshot(stored));
      }
    } catch (err) {
      console.error(`convergence failed with seed ${seed} (CONVERGENCE_SEED=${seed})`);
      for (const [i, peer] of clients.entries()) {
        console.error(
          i,
          JSON.stringify(peer.client.status),
          JSON.stringify(peer.handles.map((h) => h.status)),
          JSON.stringify(peer.handles.map((h) => snapshot(h.doc))),
        );
      }
      throw err;
    }
  });
});

function edit(handle: DocHandle, random: () => number): void {
  const text = handle.doc.getText('t');
  const roll = random();
  if (roll < 0.5) {
    const at = Math.floor(random() * (text.length + 1));
    text.insert(
      at,
      String.fromCharCode(97 + Math.floor(random() * 26)).repeat(1 + Math.floor(random() * 3)),
    );
  } else if (roll < 0.7 && text.length > 0) {
    const at = Math.floor(random() * text.length);
    text.delete(at, Math.min(text.length - at, 1 + Math.floor(random() * 3)));
  } else {
    handle.doc.getMap('m').set(`k${Math.floor(random() * 5)}`, Math.floor(random() * 1000));
  }
}
