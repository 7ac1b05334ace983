import { afterEach, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  decodeServerMessage,
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
  type ServerMessage,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { createLogger } from '../log/logger.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { Authentication } from '../sync/SyncAuth.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { SyncEngine } from '../sync/SyncEngine.ts';
import { syncStep1Message, updateMessage } from '../sync/yMessages.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  startRedisServer,
  testKeyPrefix,
  testRedisUrl,
  type RedisServerProcess,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import {
  clientFrame,
  docFrame,
  FakeWebSocket,
  openTestServerContext,
} from '../testing/syncCore.ts';
import { RedisFanOut } from './RedisFanOut.ts';
import { RedisUpdateBus } from './RedisUpdateBus.ts';

// Two sync engines as two server processes would run them (issue 19): each its own pool on
// one PostgreSQL database of the test's own, its own bus on one Redis key prefix of the
// test's own, its own rooms. Clients speak the /sync protocol to one of them.

const ticket = 'ws1:ticket:t1';
const other = 'ws1:ticket:t2';

const signedIn = (userId: string): Authentication => ({
  ok: true,
  principal: { userId, sessionId: `s-${userId}`, tokenId: null },
});

/** One server process: a sync engine on the shared store, with its fan-out over Redis. */
async function serverProcess(
  name: string,
  databaseUrl: string,
  prefix: string,
  redisUrl = testRedisUrl!,
) {
  const opened = openTestServerContext();
  const pool = new PgPool({ url: databaseUrl, max: 3, applicationName: name });
  await migratePg(pool);
  const store = new PgDocStore(pool);
  const bus = new RedisUpdateBus({ url: redisUrl, prefix, processId: name });
  const fanOut = new RedisFanOut({ bus, store, log: createLogger('silent'), lagCheckMs: 100 });
  const engine = new SyncEngine(opened.ctx, {
    auth: new StaticSyncAuth({
      'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
      'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
    }),
    sharedStore: await clusterDocStore(store),
    fanOut,
    limits: { closeGraceMs: 5_000 },
  });
  return {
    engine,
    store,
    async close() {
      await engine.closeAll();
      await engine.flush();
      await fanOut.close();
      await pool.end();
      opened.close();
    },
  };
}
type ServerProcess = Awaited<ReturnType<typeof serverProcess>>;

/**
 * A client on one process's /sync endpoint with a replica per doc: it answers the server's
 * sync messages as the provider does and sends its own edits as updates.
 */
function connect(server: ServerProcess, userId: string, docs: Map<string, Y.Doc> = new Map()) {
  const ws = new FakeWebSocket();
  server.engine.openSync(ws.asWebSocket(), signedIn(userId));
  ws.receive(clientFrame({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }));
  let read = 0;
  /** Sync step 2s and updates sent: each is acked once stored (or refused). */
  let sent = 0;
  const awarenessSeen: Uint8Array[] = [];
  const received: ServerMessage[] = [];
  const stopSending = new Map<string, () => void>();
  /** Applies what the server sent since the last call. */
  const pump = () => {
    for (; read < ws.frames.length; read++) {
      const message = decodeServerMessage(ws.frames[read]!);
      received.push(message);
      if (message.type !== MessageType.doc) continue;
      const doc = docs.get(message.docId);
      if (!doc) continue;
      const decoder = decoding.createDecoder(message.payload);
      const type = decoding.readVarUint(decoder);
      if (type === YMessageType.awareness) awarenessSeen.push(message.payload);
      if (type !== YMessageType.sync) continue;
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, YMessageType.sync);
      syncProtocol.readSyncMessage(decoder, reply, doc, 'server');
      if (encoding.length(reply) > 1) {
        sent++;
        ws.receive(docFrame(message.docId, encoding.toUint8Array(reply)));
      }
    }
  };
  const client = {
    ws,
    docs,
    awarenessSeen,
    received: () => {
      pump();
      return received;
    },
    async subscribe(docId: string) {
      const doc = docs.get(docId) ?? new Y.Doc();
      docs.set(docId, doc);
      const send = (update: Uint8Array, origin: unknown) => {
        if (origin === 'server') return;
        sent++;
        ws.receive(docFrame(docId, updateMessage(update)));
      };
      doc.on('update', send);
      stopSending.set(docId, () => doc.off('update', send));
      ws.receive(clientFrame({ type: MessageType.subscribe, docId }));
      ws.receive(docFrame(docId, syncStep1Message(doc)));
      await until(
        () => client.received().some((m) => m.type === MessageType.subscribed && m.docId === docId),
        `${userId} subscribed to ${docId}`,
      );
    },
    edit(docId: string, text: string) {
      const t = docs.get(docId)!.getText('t');
      t.insert(t.length, text);
    },
    text: (docId: string) => {
      pump();
      return docs.get(docId)?.getText('t').toString() ?? '';
    },
    /** Everything sent was acked: stored on the server. */
    settled(): boolean {
      const acked = client
        .received()
        .reduce((sum, m) => sum + (m.type === MessageType.ack ? m.count : 0), 0);
      return acked === sent;
    },
    disconnect() {
      for (const stop of stopSending.values()) stop();
      ws.close(1000, 'bye');
    },
  };
  return client;
}

await describeWithPostgresAndRedis(
  'sync engines of two processes on PostgreSQL and Redis',
  { ownServer: true },
  () => {
    let database: TestDatabase | null = null;
    let redis: RedisServerProcess | null = null;
    const closers: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
      await redis?.dispose();
      await database?.drop();
      redis = null;
      database = null;
    });

    const twoProcesses = async (redisUrl = testRedisUrl!) => {
      database = await createTestDatabase();
      const prefix = testKeyPrefix();
      const a = await serverProcess('a', database.url, prefix, redisUrl);
      const b = await serverProcess('b', database.url, prefix, redisUrl);
      closers.push(a.close, b.close);
      return { a, b };
    };

    it('clients on two processes edit one document and converge; every update stored once, presence relayed', async () => {
      const { a, b } = await twoProcesses();
      const ana = connect(a, 'ana');
      const ben = connect(b, 'ben');
      await ana.subscribe(ticket);
      await ben.subscribe(ticket);
      const rounds = 20;
      for (let i = 0; i < rounds; i++) {
        ana.edit(ticket, `a${i} `);
        ben.edit(ticket, `b${i} `);
        // Half the time the next edit waits for the other side's, half it does not.
        if (i % 2 === 0) await until(() => ana.text(ticket) === ben.text(ticket), 'converged');
      }
      await until(() => ana.settled() && ben.settled(), 'all acked');
      await until(() => ana.text(ticket) === ben.text(ticket), 'both replicas equal');
      for (let i = 0; i < rounds; i++) {
        expect(ana.text(ticket)).toContain(`a${i} `);
        expect(ana.text(ticket)).toContain(`b${i} `);
      }
      // Persisted once each: the workspace sequence counts every client update once.
      expect(await a.store.workspaceSeq('ws1')).toBe(2 * rounds);
      const stored = new Y.Doc();
      const row = (await b.store.load(ticket))!;
      Y.applyUpdate(stored, Y.mergeUpdates(row.state ? [row.state, ...row.log] : row.log));
      expect(stored.getText('t').toString()).toBe(ana.text(ticket));

      // Presence on A reaches a member on B (over Redis pub/sub, never stored).
      const awareness = new awarenessProtocol.Awareness(ana.docs.get(ticket)!);
      awareness.setLocalState({ name: 'Ana' });
      const message = encoding.createEncoder();
      encoding.writeVarUint(message, YMessageType.awareness);
      encoding.writeVarUint8Array(
        message,
        awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]),
      );
      ana.ws.receive(docFrame(ticket, encoding.toUint8Array(message)));
      await until(() => {
        ben.received();
        return ben.awarenessSeen.length > 0;
      }, "ana's presence on B");
      awareness.destroy();
    });

    it('SUB-6 a client reconnecting to the other process catches up on only what changed meanwhile', async () => {
      const { a, b } = await twoProcesses();
      const ana = connect(a, 'ana');
      await ana.subscribe(ticket);
      await ana.subscribe(other);
      ana.edit(ticket, 'one');
      ana.edit(other, 'two');
      await until(() => ana.settled(), 'both acked');
      const welcome = ana.received().find((m) => m.type === MessageType.welcome);
      const generation = welcome?.type === MessageType.welcome ? welcome.generation : '';
      const sinceSeq = await a.store.workspaceSeq('ws1');
      ana.disconnect();

      const ben = connect(b, 'ben');
      await ben.subscribe(other);
      ben.edit(other, ' three');
      await until(() => ben.settled(), "ben's edit acked");

      // Ana's provider reconnects, through the balancer, to B: same replicas, her sequence.
      const again = connect(b, 'ana', ana.docs);
      again.ws.receive(
        clientFrame({ type: MessageType.catchUp, workspaceId: 'ws1', sinceSeq, generation }),
      );
      await until(
        () => again.received().some((m) => m.type === MessageType.catchUpResult),
        'the catch-up answer',
      );
      const result = again.received().find((m) => m.type === MessageType.catchUpResult)!;
      expect(result).toMatchObject({ generation, full: false, seq: sinceSeq + 1 });
      expect(result.type === MessageType.catchUpResult && result.changed).toEqual([
        { docId: other, seq: sinceSeq + 1 },
      ]);
      // She syncs the changed doc only, and gets its missing part.
      await again.subscribe(other);
      await until(() => again.text(other) === 'two three', "ben's change on ana's replica");
      expect(again.text(ticket)).toBe('one');
    });

    it('a doc whose update another process stored and never published is re-synced from the store', async () => {
      const { a, b } = await twoProcesses();
      const ben = connect(b, 'ben');
      await ben.subscribe(ticket);
      ben.edit(ticket, 'before ');
      await until(() => ben.settled(), 'acked');
      // A process that persisted an update and was killed before publishing it.
      const lost = new Y.Doc();
      Y.applyUpdate(lost, Y.encodeStateAsUpdate(ben.docs.get(ticket)!));
      let update: Uint8Array | null = null;
      lost.once('update', (u: Uint8Array) => (update = u));
      lost.getText('t').insert(lost.getText('t').length, 'after');
      await a.store.append([{ docId: ticket, workspaceId: 'ws1', update: update! }]);
      // B's lagging-doc watch (every 100 ms here) finds it behind at its second check.
      await until(() => ben.text(ticket) === 'before after', 'the unpublished update on B');
    });

    it('Redis restarted without its data while clients on both processes type: every edit acknowledged, both converge from the store', async () => {
      redis = await startRedisServer({ persistent: false });
      const { a, b } = await twoProcesses(redis.url);
      const ana = connect(a, 'ana');
      const ben = connect(b, 'ben');
      await ana.subscribe(ticket);
      await ben.subscribe(ticket);
      const rounds = 30;
      for (let i = 0; i < rounds; i++) {
        ana.edit(ticket, `a${i} `);
        ben.edit(ticket, `b${i} `);
        if (i === 10) await redis.kill();
        // Acknowledged while Redis is away too: the store, not Redis, is where they live.
        await until(() => ana.settled() && ben.settled(), `round ${i} acked`);
        if (i === 20) await redis.start();
      }
      await until(() => ana.text(ticket) === ben.text(ticket), 'both replicas equal');
      for (let i = 0; i < rounds; i++) {
        expect(ana.text(ticket)).toContain(`a${i} `);
        expect(ana.text(ticket)).toContain(`b${i} `);
      }
      expect(await a.store.workspaceSeq('ws1')).toBe(2 * rounds);
    });
  },
);
