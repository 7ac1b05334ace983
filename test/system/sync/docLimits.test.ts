import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CloseCode, DocErrorCode, MessageType, encodeDocFrame } from '@desk/protocol';
import { plans } from '../../../sync-server/src/billing/plans.ts';
import type { SyncLimits } from '../../../sync-server/src/sync/SyncLimits.ts';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { openStockProvider, providerSynced } from '../../support/sync/stockProvider.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

// The document limits of SPEC.md, LIMIT, at, just under and just over their value,
// on both endpoints: /sync (docError, the socket stays) and /yjs with the stock y-websocket
// provider (closed with the documented code; it stops instead of re-sending).

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
} as const;

const LIMIT = 1000;

/** A doc with a fixed client id, so the size of its updates is known in advance. */
function fixedDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = 7;
  return doc;
}

/** How many characters inserted at once into a fresh `fixedDoc` make an update of `bytes`. */
function charsFor(bytes: number): number {
  const probe = fixedDoc();
  let size = 0;
  probe.once('update', (update: Uint8Array) => (size = update.byteLength));
  probe.getText('t').insert(0, 'x'.repeat(500));
  return bytes - (size - 500);
}

/** Inserts into `doc` one update of exactly `bytes` bytes (asserted). */
function insertUpdateOf(doc: Y.Doc, bytes: number, char: string): void {
  let size = 0;
  doc.once('update', (update: Uint8Array) => (size = update.byteLength));
  doc.getText('t').insert(0, char.repeat(charsFor(bytes)));
  expect(size).toBe(bytes);
}

/** The y-protocols 'update' message carrying `update`, as both endpoints receive it. */
function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0); // sync
  encoding.writeVarUint(encoder, 2); // update
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The size of the update whose frame on `endpoint` weighs `frameBytes`. */
function updateBytesForFrame(endpoint: 'sync' | 'yjs', docId: string, frameBytes: number): number {
  const probe = fixedDoc();
  let update: Uint8Array = new Uint8Array();
  probe.once('update', (u: Uint8Array) => (update = u));
  probe.getText('t').insert(0, 'x'.repeat(500));
  const message = updateMessage(update);
  const frame = endpoint === 'yjs' ? message : encodeDocFrame(docId, message);
  return frameBytes - (frame.byteLength - update.byteLength);
}

const cases = [
  { name: 'just under', bytes: LIMIT - 1, accepted: true },
  { name: 'at', bytes: LIMIT, accepted: true },
  { name: 'just over', bytes: LIMIT + 1, accepted: false },
] as const;

const limitsUnderTest = [
  {
    limit: 'update size (maxUpdateBytes)',
    rule: 'LIMIT-2',
    code: DocErrorCode.updateTooLarge,
    close: CloseCode.updateTooLarge,
    setUp: async (t: SyncTestServer) => void t,
    limits: { maxUpdateBytes: LIMIT } as Partial<SyncLimits>,
  },
  {
    limit: "document size (the plan's documentSizeLimitBytes)",
    rule: 'LIMIT-3',
    code: DocErrorCode.docTooLarge,
    close: CloseCode.docTooLarge,
    setUp: async (t: SyncTestServer) => void (t.auth.maxDocBytes = LIMIT),
    limits: {} as Partial<SyncLimits>,
  },
  {
    limit: "workspace storage (the plan's storageQuotaBytes: documents plus attachments)",
    rule: 'LIMIT-12',
    code: DocErrorCode.storageFull,
    close: CloseCode.storageFull,
    setUp: async (t: SyncTestServer) => void (t.auth.storage = await storageOf(t, 'ws1', LIMIT)),
    limits: {} as Partial<SyncLimits>,
  },
];

/**
 * The storage limit as production hands it out: the quota, and what the workspace holds as
 * the server keeps it (blobs/StorageUse.ts, read from the control plane's quota store: the
 * process's SQLite, or PostgreSQL on the cluster backend).
 */
function storageOf(t: SyncTestServer, workspaceId: string, quotaBytes: number) {
  return t.server.services.storageUse.limit(workspaceId, quotaBytes);
}

describe('document limits on every sync path', () => {
  let t: SyncTestServer;
  const providers: WebsocketProvider[] = [];
  const clients: TestSyncClient[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.ws.terminate();
    await t.stop();
  });

  const provider = (docId: string, doc = new Y.Doc()) => {
    const p = openStockProvider(t.url, docId, 'tok-ana', doc);
    providers.push(p);
    return p;
  };
  const synced = providerSynced;
  const closed = (p: WebsocketProvider) =>
    new Promise<{ code: number; reason: string }>((resolve) => p.once('closed', resolve));
  const connect = async () => {
    const c = await TestSyncClient.connect(t.url, { token: 'tok-ben' });
    clients.push(c);
    return c;
  };
  const stored = async (docId: string) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
    return doc.getText('t').toString();
  };

  /**
   * An observer subscribed to the doc, and a check that it never got `refused`: a marker
   * written after the refusal reaches it, so anything broadcast before it has too.
   */
  const observe = async (docId: string) => {
    const observer = await connect();
    const doc = observer.subscribe(docId);
    await observer.synced(docId);
    return async (refused: string) => {
      const marker = await connect();
      const markerDoc = marker.subscribe(docId);
      await marker.synced(docId);
      markerDoc.getText('marker').insert(0, 'after');
      await observer.until(() => doc.getText('marker').toString() === 'after');
      expect(doc.getText('t').toString()).not.toContain(refused);
    };
  };

  for (const subject of limitsUnderTest) {
    describe(subject.limit, () => {
      for (const c of cases) {
        it(`${subject.rule} /sync: an update ${c.name} the limit is ${c.accepted ? 'stored and forwarded' : `refused whole with ${subject.code}; the socket stays`}`, async () => {
          t = await startSyncServer(users, subject.limits);
          await subject.setUp(t);
          const docId = 'ws1:ticket:s1';
          const noSeen = await observe(docId);
          const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
          clients.push(ana);
          const doc = ana.subscribe(docId, fixedDoc());
          await ana.synced(docId);
          insertUpdateOf(doc, c.bytes, 'a');
          if (c.accepted) {
            await ana.allAcked(docId);
            expect(await stored(docId)).toBe(doc.getText('t').toString());
            return;
          }
          const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
          expect(refusal).toMatchObject({ docId, code: subject.code });
          expect(ana.closeInfo).toBeNull();
          expect(await stored(docId)).toBe('');
          await noSeen('a');
        });

        it(`${subject.rule} /yjs (stock provider): an update ${c.name} the limit is ${c.accepted ? 'stored and forwarded' : `refused and the provider closed with ${subject.close}`}`, async () => {
          t = await startSyncServer(users, subject.limits);
          await subject.setUp(t);
          const docId = 'ws1:ticket:y1';
          const noSeen = await observe(docId);
          const p = provider(docId, fixedDoc());
          await synced(p);
          const closing = closed(p);
          insertUpdateOf(p.doc, c.bytes, 'a');
          const sent = p.doc.getText('t').toString();
          if (c.accepted) {
            const observer = clients[0]!;
            const seen = observer.docs.get(docId)!.doc;
            await observer.until(() => seen.getText('t').toString() === sent);
            expect(await stored(docId)).toBe(sent);
            expect(p.shouldConnect).toBe(true);
            return;
          }
          // Told: closed with the documented code and the DocErrorCode as reason, and it
          // stops (44xx) instead of sending the same update again.
          expect(await closing).toEqual({ code: subject.close, reason: subject.code });
          expect(p.shouldConnect).toBe(false);
          expect(await stored(docId)).toBe('');
          await noSeen('a');
        });
      }
    });
  }

  describe('frame size (maxMessageBytes)', () => {
    for (const c of cases) {
      it(`LIMIT-1 /sync: a frame ${c.name} the limit is ${c.accepted ? 'taken' : 'refused by closing the socket with 4413'}`, async () => {
        t = await startSyncServer(users, { maxMessageBytes: LIMIT });
        const docId = 'ws1:ticket:f1';
        const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
        clients.push(ana);
        const doc = ana.subscribe(docId, fixedDoc());
        await ana.synced(docId);
        insertUpdateOf(doc, updateBytesForFrame('sync', docId, c.bytes), 'a');
        if (c.accepted) {
          await ana.allAcked(docId);
          expect(await stored(docId)).toBe(doc.getText('t').toString());
          return;
        }
        expect((await ana.closed).code).toBe(CloseCode.messageTooLarge);
        expect(await stored(docId)).toBe('');
      });

      it(`LIMIT-1 /yjs (stock provider): a frame ${c.name} the limit is ${c.accepted ? 'taken' : 'refused by closing with 4413; the provider stops'}`, async () => {
        t = await startSyncServer(users, { maxMessageBytes: LIMIT });
        const docId = 'ws1:ticket:f2';
        const p = provider(docId, fixedDoc());
        await synced(p);
        const closing = closed(p);
        insertUpdateOf(p.doc, updateBytesForFrame('yjs', docId, c.bytes), 'a');
        if (c.accepted) {
          const observer = await connect();
          const seen = observer.subscribe(docId);
          const sent = p.doc.getText('t').toString();
          await observer.until(() => seen.getText('t').toString() === sent);
          expect(await stored(docId)).toBe(sent);
          return;
        }
        expect((await closing).code).toBe(CloseCode.messageTooLarge);
        expect(p.shouldConnect).toBe(false);
        expect(await stored(docId)).toBe('');
      });
    }
  });

  it('LIMIT-3 YJS-5 /yjs: a stock provider writing 14 × 512 KiB into a trial workspace is closed with 4415 after the 9 that fit, and never diverges silently', async () => {
    t = await startSyncServer(users);
    t.auth.maxDocBytes = plans.trial.documentSizeLimitBytes; // 5 MiB
    const docId = 'ws1:ticket:big';
    const noSeen = await observe(docId);
    const p = provider(docId);
    await synced(p);
    const closing = closed(p);
    const piece = (i: number) => String.fromCharCode(65 + i).repeat(512 * 1024);
    for (let i = 0; i < 14; i++) {
      // Appended one after the other, each its own update.
      const text = p.doc.getText('t');
      text.insert(text.length, piece(i));
    }
    expect(await closing).toEqual({ code: CloseCode.docTooLarge, reason: 'doc_too_large' });
    const fit = Array.from({ length: 9 }, (_, i) => piece(i)).join('');
    expect(await stored(docId)).toBe(fit);
    await noSeen(piece(9).slice(0, 16));

    // The documented behaviour: the provider's doc keeps what was refused (the server does
    // not have it) and the provider knows; reconnecting it offers the same change again and
    // is closed again with the same code; nothing is ever accepted in part.
    expect(p.doc.getText('t').length).toBe(14 * 512 * 1024);
    const again = closed(p);
    p.connect();
    expect(await again).toEqual({ code: CloseCode.docTooLarge, reason: 'doc_too_large' });
    expect(p.shouldConnect).toBe(false);
    expect(await stored(docId)).toBe(fit);

    // A fresh replica (what an integrator does after 4415) equals the server's.
    const fresh = provider(docId);
    await synced(fresh);
    expect(fresh.doc.getText('t').toString()).toBe(fit);
  });
  it('LIMIT-7 /sync and /yjs: new tickets are taken just under and at the ticket limit; the next is refused whole (ticket_limit, 4416 for the stock provider), existing tickets still take writes', async () => {
    t = await startSyncServer(users);
    t.auth.maxTickets = 2;
    const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(ana);
    const write = async (docId: string, text: string) => {
      const doc = ana.subscribe(docId);
      await ana.synced(docId);
      doc.getText('t').insert(0, text);
      return doc;
    };
    await write('ws1:ticket:n1', 'first'); // under the limit
    await ana.allAcked('ws1:ticket:n1');
    const second = await write('ws1:ticket:n2', 'second'); // brings it to the limit
    await ana.allAcked('ws1:ticket:n2');
    await write('ws1:ticket:n3', 'third'); // over
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:ticket:n3', code: DocErrorCode.ticketLimit });
    expect(ana.closeInfo).toBeNull();
    expect(await stored('ws1:ticket:n3')).toBe('');
    second.getText('t').insert(0, 'more ');
    await ana.allAcked('ws1:ticket:n2');
    expect(await stored('ws1:ticket:n2')).toBe('more second');

    // The stock provider has no docError: it is closed with the documented code.
    const p = provider('ws1:ticket:y3');
    await synced(p);
    const closing = closed(p);
    p.doc.getText('t').insert(0, 'from a tool');
    expect(await closing).toEqual({ code: CloseCode.ticketLimit, reason: 'ticket_limit' });
    expect(p.shouldConnect).toBe(false);
    expect(await stored('ws1:ticket:y3')).toBe('');
  });

  it('LIMIT-12 /sync and /yjs: storage counts every document of the workspace; a write that adds content past it is refused whole (storage_full, 4417), deletions and reads still go through', async () => {
    t = await startSyncServer(users);
    t.auth.storage = await storageOf(t, 'ws1', 3 * LIMIT);
    const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(ana);
    const first = ana.subscribe('ws1:ticket:a', fixedDoc());
    await ana.synced('ws1:ticket:a');
    insertUpdateOf(first, 2 * LIMIT, 'a');
    await ana.allAcked('ws1:ticket:a');

    // Another document of the same workspace: 2000 + 1001 > 3000.
    const second = ana.subscribe('ws1:ticket:b', fixedDoc());
    await ana.synced('ws1:ticket:b');
    insertUpdateOf(second, LIMIT + 1, 'b');
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws1:ticket:b', code: DocErrorCode.storageFull });
    expect(ana.closeInfo).toBeNull();
    expect(await stored('ws1:ticket:b')).toBe('');

    // Over the limit, the workspace can still be cleaned up and read.
    first.getText('t').delete(0, 10);
    await ana.allAcked('ws1:ticket:a');
    expect((await stored('ws1:ticket:a')).length).toBe(first.getText('t').length);
    const reader = await connect();
    const read = reader.subscribe('ws1:ticket:a');
    await reader.synced('ws1:ticket:a');
    expect(read.getText('t').toString()).toBe(first.getText('t').toString());

    // A protocol-3 client does not know storage_full: it is told doc_too_large, which it
    // handles the same way (draft, reset).
    const old = await TestSyncClient.connect(t.url, { token: 'tok-ben', protocolVersion: 3 });
    clients.push(old);
    await old.waitFor((m) => m.type === MessageType.welcome);
    const oldDoc = old.subscribe('ws1:ticket:c', fixedDoc());
    await old.synced('ws1:ticket:c');
    insertUpdateOf(oldDoc, LIMIT + 1, 'c');
    expect(await old.waitFor((m) => m.type === MessageType.docError)).toMatchObject({
      docId: 'ws1:ticket:c',
      code: DocErrorCode.docTooLarge,
    });

    // The stock provider is closed with 4417 and stops; nothing of its change is stored.
    const p = provider('ws1:ticket:y4', fixedDoc());
    await synced(p);
    const closing = closed(p);
    insertUpdateOf(p.doc, LIMIT + 1, 'y');
    expect(await closing).toEqual({ code: CloseCode.storageFull, reason: 'storage_full' });
    expect(p.shouldConnect).toBe(false);
    expect(await stored('ws1:ticket:y4')).toBe('');
  });

  it('LIMIT-5 does not refuse a server write (a restore) past the limit; clients may then only delete', async () => {
    t = await startSyncServer(users);
    t.auth.maxDocBytes = LIMIT;
    const docId = 'ws1:ticket:r1';
    const restored = fixedDoc();
    restored.getText('t').insert(0, 'r'.repeat(2 * LIMIT));
    await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(restored));
    expect(await stored(docId)).toBe('r'.repeat(2 * LIMIT));

    const ana = await TestSyncClient.connect(t.url, { token: 'tok-ana' });
    clients.push(ana);
    const doc = ana.subscribe(docId);
    await ana.synced(docId);
    await ana.until(() => doc.getText('t').length === 2 * LIMIT);
    doc.getText('t').delete(0, LIMIT);
    await ana.allAcked(docId);
    doc.getText('t').insert(0, 'more');
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId, code: DocErrorCode.docTooLarge });
    expect(await stored(docId)).toBe('r'.repeat(LIMIT));
  });
});
