import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  CloseCode,
  decodeServerMessage,
  DocErrorCode,
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
  type ServerMessage,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { syncStep1Message, updateMessage } from '../sync/yMessages.ts';
import { RedisLeases } from './RedisLeases.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  startRedisServer,
  testKeyPrefix,
  testRedisUrl,
  type RedisServerProcess,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import type { SyncLimits } from '../sync/SyncLimits.ts';
import { clientFrame, docFrame, FakeWebSocket } from '../testing/syncCore.ts';
import { clusterEngine, signedIn, type ClusterEngine } from '../testing/clusterEngine.ts';

// Two sync engines as two server processes would run them (issue 19): each its own pool on
// one PostgreSQL database of the test's own, its own bus on one Redis key prefix of the
// test's own, its own rooms. Clients speak the /sync protocol to one of them.

const engineScript = fileURLToPath(new URL('../testing/clusterEngineProcess.ts', import.meta.url));
const serverDir = path.resolve(path.dirname(engineScript), '../..');

const ticket = 'ws1:ticket:t1';
const other = 'ws1:ticket:t2';

/** How a client's frames reach a server process and come back. */
interface Transport {
  send(frame: Uint8Array): void;
  /** Every frame the server sent so far. */
  readonly frames: Uint8Array[];
  close(): void;
}

/** A socket on an engine of this process (the engine gets a fake `ws` socket). */
function inProcess(server: ClusterEngine, userId: string): Transport {
  const ws = new FakeWebSocket();
  server.engine.openSync(ws.asWebSocket(), signedIn(userId));
  return {
    send: (frame) => ws.receive(frame),
    frames: ws.frames,
    close: () => ws.close(1000, 'bye'),
  };
}

/** A real WebSocket to a server process of its own (`clusterEngineProcess.ts`). */
async function overNetwork(port: number, userId: string): Promise<Transport> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/?user=${userId}`);
  const frames: Uint8Array[] = [];
  ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
  ws.on('error', () => undefined); // the process may be killed under it
  await once(ws, 'open');
  return {
    send: (frame) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    frames,
    close: () => ws.terminate(),
  };
}

/**
 * A client on one process's /sync endpoint with a replica per doc: it answers the server's
 * sync messages as the provider does and sends its own edits as updates.
 */
function connect(ws: Transport, userId: string, docs: Map<string, Y.Doc> = new Map()) {
  ws.send(clientFrame({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }));
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
        ws.send(docFrame(message.docId, encoding.toUint8Array(reply)));
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
        ws.send(docFrame(docId, updateMessage(update)));
      };
      doc.on('update', send);
      stopSending.set(docId, () => doc.off('update', send));
      ws.send(clientFrame({ type: MessageType.subscribe, docId }));
      ws.send(docFrame(docId, syncStep1Message(doc)));
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
    /** Sync step 2s and updates sent so far. */
    sent: () => sent,
    /** How many of them were acked (acks come in the order they were sent). */
    acked(): number {
      return client
        .received()
        .reduce((sum, m) => sum + (m.type === MessageType.ack ? m.count : 0), 0);
    },
    /** Everything sent was acked: stored on the server. */
    settled: (): boolean => client.acked() === sent,
    disconnect() {
      for (const stop of stopSending.values()) stop();
      ws.close();
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
    const children: ChildProcess[] = [];

    afterEach(async () => {
      for (const child of children.splice(0)) child.kill('SIGKILL');
      for (const close of closers.splice(0)) await close();
      await redis?.dispose();
      await database?.drop();
      redis = null;
      database = null;
    });

    const twoProcesses = async (redisUrl = testRedisUrl!, limits: Partial<SyncLimits> = {}) => {
      database = await createTestDatabase();
      const prefix = testKeyPrefix();
      const a = await clusterEngine('a', database.url, redisUrl, prefix, limits);
      const b = await clusterEngine('b', database.url, redisUrl, prefix, limits);
      closers.push(a.close, b.close);
      return { a, b, prefix };
    };

    it('clients on two processes edit one document and converge; every update stored once, presence relayed', async () => {
      const { a, b } = await twoProcesses();
      const ana = connect(inProcess(a, 'ana'), 'ana');
      const ben = connect(inProcess(b, 'ben'), 'ben');
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
      ana.ws.send(docFrame(ticket, encoding.toUint8Array(message)));
      await until(() => {
        ben.received();
        return ben.awarenessSeen.length > 0;
      }, "ana's presence on B");
      awareness.destroy();
    });

    it('SUB-6 a client reconnecting to the other process catches up on only what changed meanwhile', async () => {
      const { a, b } = await twoProcesses();
      const ana = connect(inProcess(a, 'ana'), 'ana');
      await ana.subscribe(ticket);
      await ana.subscribe(other);
      ana.edit(ticket, 'one');
      ana.edit(other, 'two');
      await until(() => ana.settled(), 'both acked');
      const welcome = ana.received().find((m) => m.type === MessageType.welcome);
      const generation = welcome?.type === MessageType.welcome ? welcome.generation : '';
      const sinceSeq = await a.store.workspaceSeq('ws1');
      ana.disconnect();

      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ben.subscribe(other);
      ben.edit(other, ' three');
      await until(() => ben.settled(), "ben's edit acked");

      // Ana's provider reconnects, through the balancer, to B: same replicas, her sequence.
      const again = connect(inProcess(b, 'ana'), 'ana', ana.docs);
      again.ws.send(
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
      const ben = connect(inProcess(b, 'ben'), 'ben');
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

    it('a doc that misses an update another process stored and never published is re-synced even when this process wrote the doc after it', async () => {
      database = await createTestDatabase();
      const prefix = testKeyPrefix();
      // A runs its watch's passes here (one pass is no timer tick away from another).
      const a = await clusterEngine(
        'a',
        database.url,
        testRedisUrl!,
        prefix,
        {},
        {
          lagCheckMs: 60 * 60 * 1000,
        },
      );
      const b = await clusterEngine('b', database.url, testRedisUrl!, prefix);
      closers.push(a.close, b.close);
      const ana = connect(inProcess(a, 'ana'), 'ana');
      await ana.subscribe(ticket);
      ana.edit(ticket, 'before ');
      await until(() => ana.settled(), 'acked');
      // B persisted an update and was killed before publishing it: in the store, on no stream.
      const lost = new Y.Doc();
      Y.applyUpdate(lost, Y.encodeStateAsUpdate(ana.docs.get(ticket)!));
      let update: Uint8Array | null = null;
      lost.once('update', (u: Uint8Array) => (update = u));
      lost.getText('t').insert(0, 'lost ');
      await b.store.append([{ docId: ticket, workspaceId: 'ws1', update: update! }]);
      // A writes the doc after it: the doc's latest stored sequence is now A's own.
      ana.edit(ticket, 'after');
      await until(() => ana.settled(), 'acked');
      expect(ana.text(ticket)).toBe('before after');
      // Behind at two passes in a row: re-synced from the store by the second.
      await a.fanOut.checkLagging();
      await a.fanOut.checkLagging();
      await until(() => ana.text(ticket) === 'lost before after', 'the unpublished update on A');
      const stored = (await a.store.load(ticket))!;
      const fromStore = new Y.Doc();
      for (const part of stored.state ? [stored.state, ...stored.log] : stored.log) {
        Y.applyUpdate(fromStore, part);
      }
      expect(fromStore.getText('t').toString()).toBe('lost before after');
      expect(stored.updatesStored).toBe(3);
    });

    it('Redis restarted without its data while clients on both processes type: every edit acknowledged, both converge from the store', async () => {
      redis = await startRedisServer({ persistent: false });
      const { a, b } = await twoProcesses(redis.url);
      const ana = connect(inProcess(a, 'ana'), 'ana');
      const ben = connect(inProcess(b, 'ben'), 'ben');
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

    it('while Redis is unreachable a doc still loads and takes edits on both processes, which converge once it is back', async () => {
      redis = await startRedisServer({ persistent: true });
      const { a, b } = await twoProcesses(redis.url);
      await redis.kill();
      const ana = connect(inProcess(a, 'ana'), 'ana');
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ana.subscribe(other);
      await ben.subscribe(other);
      ana.edit(other, 'from A ');
      ben.edit(other, 'from B ');
      await until(() => ana.settled() && ben.settled(), 'both stored while Redis is away');
      // Each subscription lands once Redis is back; the doc is then re-synced from the store.
      await redis.start();
      await until(() => ana.text(other) === ben.text(other), 'converged');
      expect(ana.text(other)).toContain('from A ');
      expect(ana.text(other)).toContain('from B ');
      ana.edit(other, 'later');
      await until(() => ben.text(other).endsWith('later'), 'through Redis again');
      expect(ben.text(other)).toBe(ana.text(other));
    });

    it('both processes compact the doc they write from the stored rows, at once or not, and nothing is lost', async () => {
      const { a, b } = await twoProcesses(testRedisUrl!, { compactAfterUpdates: 5 });
      const ana = connect(inProcess(a, 'ana'), 'ana');
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ana.subscribe(ticket);
      await ben.subscribe(ticket);
      const rounds = 40;
      for (let i = 0; i < rounds; i++) {
        ana.edit(ticket, `a${i} `);
        ben.edit(ticket, `b${i} `);
        await until(() => ana.settled() && ben.settled(), `round ${i} acked`);
      }
      await until(() => ana.text(ticket) === ben.text(ticket), 'both replicas equal');
      const stored = async () => {
        const row = (await b.store.load(ticket))!;
        return { row, doc: Y.mergeUpdates(row.state ? [row.state, ...row.log] : row.log) };
      };
      await until(async () => (await stored()).row.state !== null, 'a compacted state');
      const { row, doc } = await stored();
      expect(row.log.length).toBeLessThan(2 * rounds);
      const fromStore = new Y.Doc();
      Y.applyUpdate(fromStore, doc);
      expect(fromStore.getText('t').toString()).toBe(ana.text(ticket));
      // A newcomer on either process loads the compacted doc whole.
      const cleo = connect(inProcess(a, 'ana'), 'ana');
      await cleo.subscribe(ticket);
      await until(() => cleo.text(ticket) === ben.text(ticket), 'the newcomer has everything');
    });

    it('one compaction of a doc at a time across processes: the compact:<docId> lease held elsewhere skips it, and it runs once given up', async () => {
      const { a, prefix } = await twoProcesses(testRedisUrl!, { compactAfterUpdates: 5 });
      // The other process's lease, as its compaction of the doc would hold it.
      const elsewhere = new RedisLeases({ url: testRedisUrl!, prefix, holderId: 'elsewhere' });
      closers.push(() => elsewhere.close());
      const held = (await elsewhere.tryAcquire(`job:compact:${ticket}`))!;
      expect(held).not.toBeNull();
      const ana = connect(inProcess(a, 'ana'), 'ana');
      await ana.subscribe(ticket);
      for (let i = 0; i < 6; i++) {
        ana.edit(ticket, `a${i} `);
        await until(() => ana.settled(), `edit ${i} acked`);
      }
      await until(() => a.compactions.includes('held elsewhere'), 'a compaction asked for');
      expect(a.compactions).not.toContain('ran');
      expect((await a.store.load(ticket))!.state).toBeNull();
      await held.release();
      for (let i = 6; i < 12; i++) {
        ana.edit(ticket, `a${i} `);
        await until(() => ana.settled(), `edit ${i} acked`);
      }
      await until(() => a.compactions.includes('ran'), 'compacted once the lease was free');
      const row = (await a.store.load(ticket))!;
      expect(row.state).not.toBeNull();
      const fromStore = new Y.Doc();
      Y.applyUpdate(fromStore, Y.mergeUpdates([row.state!, ...row.log]));
      expect(fromStore.getText('t').toString()).toBe(ana.text(ticket));
    });

    it('engine.docs reads what every process stored: a doc written on B, read on A, with its workspace sequence and changes', async () => {
      const { a, b } = await twoProcesses();
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ben.subscribe(ticket);
      await ben.subscribe(other);
      for (let i = 0; i < 5; i++) ben.edit(ticket, `b${i} `);
      ben.edit(other, 'x');
      await until(() => ben.settled(), 'every edit acked');
      const read = new Y.Doc();
      Y.applyUpdate(read, Y.mergeUpdates(await a.engine.docs.storedParts(ticket)));
      expect(read.getText('t').toString()).toBe(ben.text(ticket));
      expect(await a.engine.docs.storedParts('ws1:ticket:never')).toEqual([]);
      const seq = await a.engine.docs.workspaceSeq('ws1');
      expect(seq).toBe(await b.store.workspaceSeq('ws1'));
      expect((await a.engine.docs.changedSince('ws1', 0)).map((row) => row.docId).sort()).toEqual(
        [ticket, other].sort(),
      );
      expect(a.engine.docs.generation()).toBe(b.engine.docs.generation());
      expect(() => a.engine.store.load(ticket)).toThrow(/shared store/);
    });

    it('deleteDocsDrained on a shared store: what a client had sent is stored first, then the doc is gone, its subscription ended', async () => {
      const { a, b } = await twoProcesses();
      const ana = connect(inProcess(a, 'ana'), 'ana');
      await ana.subscribe(ticket);
      await ana.subscribe(other);
      ana.edit(other, 'kept');
      for (let i = 0; i < 20; i++) ana.edit(ticket, `a${i} `);
      // Not waiting for the acks: some updates are queued or in flight when deletion starts.
      const deleted = await a.engine.deleteDocsDrained([ticket, 'ws1:ticket:never'], {
        code: DocErrorCode.workspaceDeleted,
        message: 'deleted',
      });
      expect(deleted).toBe(1);
      expect(await b.store.load(ticket)).toBeNull();
      expect(a.engine.rooms.get(ticket)).toBeUndefined();
      await until(
        () => ana.received().some((m) => m.type === MessageType.docError && m.docId === ticket),
        'the subscription ended',
      );
      // Stored before the deletion started, in the same batches: the other doc is kept.
      expect((await b.store.load(other))!.log.length).toBeGreaterThan(0);
    });

    it('a purge on one process: edits another process stores before it hears of it are refused with workspace_deleted, and recreate no document', async () => {
      const { a, b } = await twoProcesses();
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ben.subscribe(ticket);
      ben.edit(ticket, 'before ');
      await until(() => ben.settled(), 'the first edit acked');
      // A purges (WorkspaceDeletion.#purge): the store closes the workspace, then its docs are
      // listed and deleted. B has not heard of it (its auth never refuses here, as before the
      // access event arrives): ben's subscription stays, and he types on.
      await a.engine.closeWorkspace('ws1');
      const listed = (await a.engine.docs.changedSince('ws1', 0)).map((row) => row.docId);
      expect(listed).toEqual([ticket]);
      await a.engine.deleteDocsDrained(listed, {
        code: DocErrorCode.workspaceDeleted,
        message: 'This workspace was deleted.',
      });
      const ackedBefore = ben.acked();
      ben.edit(ticket, 'after');
      await until(
        () =>
          ben
            .received()
            .some(
              (m) =>
                m.type === MessageType.docError &&
                m.docId === ticket &&
                m.code === DocErrorCode.workspaceDeleted,
            ),
        'ben told the workspace was deleted',
      );
      // Told, not acked: the write is not silently dropped.
      expect(ben.sent()).toBe(ackedBefore + 1);
      expect(ben.acked()).toBe(ackedBefore);
      // Nothing of the workspace came back, on either process's view of the store.
      expect(await b.store.load(ticket)).toBeNull();
      expect(await a.engine.docs.changedSince('ws1', 0)).toEqual([]);
    });

    it('LIMIT-7 a ticket another process created is not new here: editing it at the ticket limit is accepted', async () => {
      const { a, b } = await twoProcesses();
      a.auth.maxTickets = 1;
      b.auth.maxTickets = 1;
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ben.subscribe(ticket); // loaded on B before it exists
      const ana = connect(inProcess(a, 'ana'), 'ana');
      await ana.subscribe(ticket);
      ana.edit(ticket, 'created on A');
      await until(() => ben.text(ticket) === 'created on A', "A's ticket on B");
      ben.edit(ticket, ', edited on B');
      await until(() => ben.settled(), "ben's edit answered");
      expect(ben.received().filter((m) => m.type === MessageType.docError)).toEqual([]);
      await until(() => ana.text(ticket) === 'created on A, edited on B', "B's edit on A");
    });

    it('ACCESS-1 a login session revoked on one process closes its sockets on the other with 4402, and no other', async () => {
      const { a, b } = await twoProcesses();
      const anaOnB = new FakeWebSocket();
      b.engine.openSync(anaOnB.asWebSocket(), signedIn('ana'));
      const benOnB = new FakeWebSocket();
      b.engine.openSync(benOnB.asWebSocket(), signedIn('ben'));
      a.access.emit('sessionsRevoked', { sessionIds: ['s-ana'] });
      await until(() => anaOnB.closedWith !== null, "ana's socket on B closed");
      expect(anaOnB.closedWith?.code).toBe(CloseCode.sessionRevoked);
      expect(benOnB.closedWith).toBeNull();
    });

    it('ACCESS-2 changes made while a process was cut off from Redis reach its sockets once the access channel is back (the recheck): an ended session closes its socket, a removed member loses the workspace, and no one else is touched', async () => {
      redis = await startRedisServer({ persistent: false });
      const { a, b } = await twoProcesses(redis.url);
      const anaOnB = new FakeWebSocket();
      b.engine.openSync(anaOnB.asWebSocket(), signedIn('ana'));
      const benOnB = new FakeWebSocket();
      b.engine.openSync(benOnB.asWebSocket(), signedIn('ben'));
      const benReading = connect(inProcess(b, 'ben'), 'ben');
      await benReading.subscribe(ticket);
      await redis.kill();
      // Changed with no event on any channel: as by a process that died before publishing,
      // or while Redis was away and came back empty. Ana's session ends in the shared
      // database; Ben is removed from ws1 (the grant B's auth reads).
      await a.sql.run('DELETE FROM sessions WHERE id = ?', ['s-ana']);
      b.auth.setGrant('ben', 'ws1', null);
      await redis.start();
      await until(() => b.rechecks.length > 0, "B's recheck after its channel came back");
      expect(b.rechecks[0]).toMatchObject({ revoked: 1, reauthorized: 1, unchecked: 0 });
      expect(anaOnB.closedWith?.code).toBe(CloseCode.sessionRevoked);
      expect(benOnB.closedWith).toBeNull();
      expect(
        benReading
          .received()
          .some(
            (m) =>
              m.type === MessageType.docError &&
              m.docId === ticket &&
              m.code === DocErrorCode.accessRevoked,
          ),
      ).toBe(true);
    });

    it('a process killed with kill -9 under write load: everything it acknowledged is stored, and its client, reconnected to the other process, converges with nothing lost', async () => {
      database = await createTestDatabase();
      const prefix = testKeyPrefix();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', engineScript, database.url, testRedisUrl!, prefix, 'a'],
        { cwd: serverDir, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      const [line] = (await once(readline.createInterface({ input: child.stdout! }), 'line')) as [
        string,
      ];
      const port = Number(/^listening (\d+)$/.exec(line)![1]);
      const b = await clusterEngine('b', database.url, testRedisUrl!, prefix);
      closers.push(b.close);
      const ben = connect(inProcess(b, 'ben'), 'ben');
      await ben.subscribe(ticket);
      const ana = connect(await overNetwork(port, 'ana'), 'ana');
      await ana.subscribe(ticket);

      // Ana types on A; each edit is acknowledged once the acks reach its place in what she sent.
      const edits: { text: string; place: number }[] = [];
      const type = () => {
        const text = `a${edits.length} `;
        ana.edit(ticket, text);
        edits.push({ text, place: ana.sent() });
      };
      while (ana.acked() < 30) {
        type();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.kill('SIGKILL');
      for (let i = 0; i < 5; i++) type(); // typed while A is gone: kept by her replica
      await once(child, 'exit');
      const acknowledged = ana.acked();

      // Nothing A acknowledged is lost: it is in the shared store.
      const row = (await b.store.load(ticket))!;
      const stored = new Y.Doc();
      Y.applyUpdate(stored, Y.mergeUpdates(row.state ? [row.state, ...row.log] : row.log));
      for (const edit of edits.filter((e) => e.place <= acknowledged)) {
        expect(stored.getText('t').toString()).toContain(edit.text);
      }

      // Her provider reconnects, through the balancer, to B with the same replica.
      ana.disconnect();
      const again = connect(inProcess(b, 'ana'), 'ana', ana.docs);
      await again.subscribe(ticket);
      await until(() => again.settled(), 'her unsent edits stored on B');
      await until(() => again.text(ticket) === ben.text(ticket), 'ana and ben equal');
      for (const edit of edits) expect(ben.text(ticket)).toContain(edit.text);
    });
  },
);
