import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MemoryStore, SyncClient, type DocHandle } from '@desk/client';
import { seededRandom, until } from '@desk/protocol/testing';
import { startSyncServer } from '../../support/sync/startSyncServer.ts';
import { openStockProvider } from '../../support/sync/stockProvider.ts';

// Randomized convergence (the Yjs way): multiplexed SyncClients and stock y-websocket
// providers edit several docs at once, drop off and come back at random, and the server
// injects changes of its own; at the end every replica and the stored state are
// identical. Seeded and printed; replay one with SYNC_CONVERGENCE_SEED=<seed>.
const SEEDS = process.env.SYNC_CONVERGENCE_SEED
  ? [Number(process.env.SYNC_CONVERGENCE_SEED)]
  : [101, 202];
const MUX_CLIENTS = 3;
const STOCK_CLIENTS = 2;
const DOCS = ['ws1:index', 'ws1:ticket:a', 'ws1:ticket:b'];
const STEPS = 250;

const users = Object.fromEntries(
  Array.from({ length: MUX_CLIENTS + STOCK_CLIENTS }, (_, i) => [
    `tok-${i}`,
    { userId: `u${i}`, workspaces: { ws1: 'write' as const } },
  ]),
);

interface Peer {
  name: string;
  docs: Y.Doc[];
  online: boolean;
  setOnline(online: boolean): void;
  /** True once this peer has nothing unsent and is connected. */
  settled(): boolean;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('randomized convergence over /sync and /yjs', () => {
  it.each(SEEDS)('CONV-1 ends with every replica equal to the server (seed %i)', async (seed) => {
    const random = seededRandom(seed).next;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const t = await startSyncServer(users);
    cleanups.push(() => t.stop());
    const wsUrl = t.url.replace(/^http/, 'ws');

    const peers: Peer[] = [];
    for (let i = 0; i < MUX_CLIENTS; i++) {
      const client = new SyncClient({
        url: `${wsUrl}/sync?token=tok-${i}`,
        WebSocket,
        store: new MemoryStore(),
        backoff: { baseMs: 5, maxMs: 40, minMs: 1, random },
        releaseGraceMs: 0,
      });
      cleanups.push(() => client.close());
      const handles: DocHandle[] = DOCS.map((docId) => client.open(docId));
      peers.push({
        name: `mux${i}`,
        docs: handles.map((h) => h.doc),
        online: true,
        setOnline(online) {
          if (online) client.reconnect();
          else client.disconnect();
        },
        settled: () =>
          client.status.kind === 'synced' && handles.every((h) => h.status.kind === 'synced'),
      });
    }
    for (let i = MUX_CLIENTS; i < MUX_CLIENTS + STOCK_CLIENTS; i++) {
      const providers = DOCS.map((docId) =>
        openStockProvider(t.url, docId, `tok-${i}`, new Y.Doc(), { maxBackoffTime: 50 }),
      );
      cleanups.push(() => providers.forEach((p) => p.destroy()));
      peers.push({
        name: `stock${i}`,
        docs: providers.map((p) => p.doc),
        online: true,
        setOnline(online) {
          for (const p of providers) {
            if (online) p.connect();
            else p.disconnect();
          }
        },
        // The stock provider has no acks: connected and synced is all it can say; the
        // state-vector comparison below does the rest.
        settled: () => providers.every((p) => p.wsconnected && p.synced),
      });
    }

    try {
      for (let step = 0; step < STEPS; step++) {
        const roll = random();
        if (roll < 0.03) {
          // The server changes a doc too (what a snapshot restore does).
          const doc = new Y.Doc();
          doc.getMap('m').set(`server${step}`, step);
          await t.server.sync.applyServerUpdate(pick(DOCS), Y.encodeStateAsUpdate(doc));
        } else if (roll < 0.1) {
          const peer = pick(peers);
          peer.online = !peer.online;
          peer.setOnline(peer.online);
        } else {
          edit(pick(pick(peers).docs), random);
        }
        // Let frames flow now and then so edits interleave with sync.
        if (random() < 0.3) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (const peer of peers) {
        if (!peer.online) {
          peer.online = true;
          peer.setOnline(true);
        }
      }

      // Converged: every replica has exactly the server's state vector, for every doc.
      const serverVectors = async () =>
        Promise.all(
          DOCS.map(async (docId) =>
            Y.encodeStateVectorFromUpdate(await t.server.sync.readDocState(docId)),
          ),
        );
      await until(
        async () => {
          if (!peers.every((p) => p.settled())) return false;
          const vectors = await serverVectors();
          return peers.every((p) =>
            p.docs.every((doc, d) => Buffer.compare(Y.encodeStateVector(doc), vectors[d]!) === 0),
          );
        },
        `every peer and the server hold the same state (seed ${seed})`,
        90_000,
      );

      for (const [d, docId] of DOCS.entries()) {
        const stored = new Y.Doc();
        Y.applyUpdate(stored, await t.server.sync.readDocState(docId));
        for (const peer of peers) {
          expect(snapshot(peer.docs[d]!), `${peer.name} ${docId} (seed ${seed})`).toEqual(
            snapshot(stored),
          );
        }
      }
    } catch (err) {
      console.error(`sync convergence failed: replay with SYNC_CONVERGENCE_SEED=${seed}`);
      throw err;
    }
  });
});

function edit(doc: Y.Doc, random: () => number): void {
  const text = doc.getText('t');
  const roll = random();
  if (roll < 0.45) {
    const at = Math.floor(random() * (text.length + 1));
    text.insert(
      at,
      String.fromCharCode(97 + Math.floor(random() * 26)).repeat(1 + Math.floor(random() * 3)),
    );
  } else if (roll < 0.65 && text.length > 0) {
    const at = Math.floor(random() * text.length);
    text.delete(at, Math.min(text.length - at, 1 + Math.floor(random() * 3)));
  } else if (roll < 0.85) {
    doc.getMap('m').set(`k${Math.floor(random() * 5)}`, Math.floor(random() * 1000));
  } else {
    const list = doc.getArray<number>('a');
    if (list.length > 0 && random() < 0.3) list.delete(Math.floor(random() * list.length), 1);
    else list.push([Math.floor(random() * 1000)]);
  }
}

function snapshot(doc: Y.Doc): unknown {
  return {
    text: doc.getText('t').toString(),
    map: doc.getMap('m').toJSON(),
    list: doc.getArray('a').toJSON(),
  };
}
