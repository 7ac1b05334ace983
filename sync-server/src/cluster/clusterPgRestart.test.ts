import { afterAll, beforeAll, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  decodeServerMessage,
  DocErrorCode,
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { syncStep1Message, updateMessage } from '../sync/yMessages.ts';
import { clusterEngine, signedIn, type ClusterEngine } from '../testing/clusterEngine.ts';
import {
  describeWithOwnPostgres,
  startOwnPostgres,
  type OwnPostgres,
} from '../testing/ownPostgres.ts';
import { describeWithRedis, testKeyPrefix, testRedisUrl } from '../testing/scaleOutParts.ts';
import { clientFrame, docFrame, FakeWebSocket } from '../testing/syncCore.ts';

// The sync engine of a cluster process on a PostgreSQL of the test's own, crashed and
// started again while a client types (issue 19). Needs TEST_REDIS_URL too.

const ticket = 'ws1:ticket:t1';

/** A /sync client with one replica; counts what it sent and what was acked. */
function client(server: ClusterEngine, doc: Y.Doc) {
  const ws = new FakeWebSocket();
  server.engine.openSync(ws.asWebSocket(), signedIn('ana'));
  ws.receive(clientFrame({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }));
  let sent = 0;
  let read = 0;
  const messages: ReturnType<typeof decodeServerMessage>[] = [];
  const pump = () => {
    for (; read < ws.frames.length; read++) {
      const message = decodeServerMessage(ws.frames[read]!);
      messages.push(message);
      if (message.type !== MessageType.doc) continue;
      const decoder = decoding.createDecoder(message.payload);
      if (decoding.readVarUint(decoder) !== YMessageType.sync) continue;
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, YMessageType.sync);
      syncProtocol.readSyncMessage(decoder, reply, doc, 'server');
      if (encoding.length(reply) > 1) {
        sent++;
        ws.receive(docFrame(ticket, encoding.toUint8Array(reply)));
      }
    }
    return messages;
  };
  const send = (update: Uint8Array, origin: unknown) => {
    if (origin === 'server') return;
    sent++;
    ws.receive(docFrame(ticket, updateMessage(update)));
  };
  doc.on('update', send);
  ws.receive(clientFrame({ type: MessageType.subscribe, docId: ticket }));
  ws.receive(docFrame(ticket, syncStep1Message(doc)));
  return {
    sent: () => sent,
    acked: () => pump().reduce((sum, m) => sum + (m.type === MessageType.ack ? m.count : 0), 0),
    refusedAsUnavailable: () =>
      pump().some(
        (m) => m.type === MessageType.docError && m.code === DocErrorCode.storageUnavailable,
      ),
    subscribed: () => pump().some((m) => m.type === MessageType.subscribed),
    close() {
      doc.off('update', send);
      ws.close(1000, 'bye');
    },
  };
}

const suite = 'a cluster engine with its PostgreSQL restarted mid-load';
const body = () => {
  let postgres: OwnPostgres;
  let server: ClusterEngine | null = null;

  beforeAll(async () => {
    postgres = await startOwnPostgres();
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await postgres?.dispose();
  });

  it('refuses sync writes with storage_unavailable while it is down, stores again once it is back, and loses nothing acknowledged', async () => {
    server = await clusterEngine('a', postgres.url, testRedisUrl!, testKeyPrefix());
    const doc = new Y.Doc();
    let ana = client(server, doc);
    await until(() => ana.subscribed(), 'subscribed');
    const edits: { text: string; place: number }[] = [];
    const type = () => {
      const text = `e${edits.length} `;
      doc.getText('t').insert(doc.getText('t').length, text);
      edits.push({ text, place: ana.sent() });
    };
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    while (ana.acked() < 20) {
      type();
      await pause();
    }
    await postgres.stop('immediate');
    while (!ana.refusedAsUnavailable()) {
      type();
      await pause();
    }
    const acknowledged = ana.acked();
    await postgres.start();

    // The provider resubscribes after a refusal; its replica still holds every edit.
    ana.close();
    ana = client(server, doc);
    await until(() => ana.subscribed() && ana.acked() === ana.sent(), 'everything stored');

    const row = (await server.store.load(ticket))!;
    const stored = new Y.Doc();
    Y.applyUpdate(stored, Y.mergeUpdates(row.state ? [row.state, ...row.log] : row.log));
    const text = stored.getText('t').toString();
    for (const edit of edits.filter((e) => e.place <= acknowledged))
      expect(text).toContain(edit.text);
    for (const edit of edits) expect(text).toContain(edit.text);
  });
};

// Both gates: its own PostgreSQL (initdb, pg_ctl) and the shared Redis.
if (testRedisUrl) await describeWithOwnPostgres(suite, body);
else await describeWithRedis(suite, { ownServer: false }, body);
