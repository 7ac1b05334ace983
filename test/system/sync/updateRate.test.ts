import { afterEach, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CloseCode, DocErrorCode, MessageType, PROTOCOL_VERSION } from '@desk/protocol';
import { ChannelDoc } from '@desk/model';
import type { UpdateRate } from '../../../sync-server/src/billing/plans.ts';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { openStockProvider, providerSynced } from '../../support/sync/stockProvider.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

// The update rate of SPEC.md, LIMIT-9 (per connection and per workspace), at, just under
// and just over its burst, on /sync (docError rate_limited with the wait; the socket stays)
// and /yjs with the stock y-websocket provider (closed 4529; it reconnects and resends, so
// nothing is lost). The server's clock is injected and stepped: no timed assertions.

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  'tok-eve': { userId: 'eve', workspaces: { ws1: 'write' } },
} as const;

const BURST = 3;
const roomy = { burst: 1000, perSecond: 1000 };
const buckets: { name: string; rule: string; rate: UpdateRate; senders: number }[] = [
  {
    name: 'per connection',
    rule: 'LIMIT-9',
    rate: { perConnection: { burst: BURST, perSecond: 1 }, perWorkspace: roomy },
    senders: 1,
  },
  {
    name: 'per workspace (two connections share it)',
    rule: 'LIMIT-9',
    rate: { perConnection: roomy, perWorkspace: { burst: BURST, perSecond: 1 } },
    senders: 2,
  },
];

const cases = [
  { name: 'just under', updates: BURST - 1, accepted: true },
  { name: 'at', updates: BURST, accepted: true },
  { name: 'just over', updates: BURST + 1, accepted: false },
] as const;

describe('update rate on every sync path (SPEC LIMIT-9)', () => {
  let t: SyncTestServer;
  let now = 1_000_000;
  const providers: WebsocketProvider[] = [];
  const clients: TestSyncClient[] = [];
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.ws.terminate();
    await t.stop();
  });

  const start = async (rate: UpdateRate) => {
    now = 1_000_000;
    t = await startSyncServer(users, {}, undefined, { now: () => now });
    t.auth.updateRate = rate;
  };
  const connect = async (token: string, protocolVersion = PROTOCOL_VERSION) => {
    const c = await TestSyncClient.connect(t.url, { token, protocolVersion });
    clients.push(c);
    return c;
  };
  const stored = async (docId: string) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
    return doc.getText('t').toString();
  };
  /** An observer (eve, not limited by the rate under test); returns the check it saw nothing refused. */
  const observe = async (docId: string) => {
    const observer = await connect('tok-eve');
    const doc = observer.subscribe(docId);
    await observer.synced(docId);
    return { observer, text: () => doc.getText('t').toString() };
  };

  for (const bucket of buckets) {
    describe(bucket.name, () => {
      for (const c of cases) {
        it(`${bucket.rule} /sync: ${c.updates} updates (${c.name} the burst) are ${c.accepted ? 'all stored' : 'stored but the last, refused whole with rate_limited and a retry delay; the socket stays'}`, async () => {
          // The observer's own connection does not share the bucket under test: with the
          // per-workspace bucket, it sends nothing.
          await start(bucket.rate);
          const docId = 'ws1:ticket:r1';
          const seen = await observe(docId);
          const senders = [await connect('tok-ana')];
          if (bucket.senders === 2) senders.push(await connect('tok-ben'));
          const docs = senders.map((s) => s.subscribe(docId));
          await Promise.all(senders.map((s) => s.synced(docId)));
          const texts: string[] = [];
          // One after another (acked before the next), so the last to arrive is the last sent.
          for (let i = 0; i < c.updates; i++) {
            const char = String.fromCharCode(97 + i);
            docs[i % docs.length]!.getText('t').insert(0, char);
            texts.push(char);
            if (i < BURST) await senders[i % senders.length]!.allAcked(docId);
          }
          const last = senders[(c.updates - 1) % senders.length]!;
          if (c.accepted) {
            await Promise.all(senders.map((s) => s.allAcked(docId)));
            const all = await stored(docId);
            for (const char of texts) expect(all).toContain(char);
            return;
          }
          const refusal = await last.waitFor((m) => m.type === MessageType.docError);
          expect(refusal).toMatchObject({
            docId,
            code: DocErrorCode.rateLimited,
            retryAfterMs: 1000,
          });
          expect(last.closeInfo).toBeNull();
          const refused = texts.at(-1)!;
          const all = await stored(docId);
          expect(all).not.toContain(refused);
          for (const char of texts.slice(0, -1)) expect(all).toContain(char);
          // Never forwarded: a marker written after it (by the observer) is ordered after it.
          await seen.observer.until(() => seen.text().length === BURST);
          expect(seen.text()).not.toContain(refused);
          // After the wait the same sender is taken again (on another doc: this one's next
          // update builds on the refused one, which a real client resends by resubscribing).
          now += 1000;
          const other = 'ws1:ticket:r2';
          const otherDoc = last.subscribe(other);
          await last.synced(other);
          otherDoc.getText('t').insert(0, 'z');
          await last.allAcked(other);
          expect(await stored(other)).toBe('z');
        });
      }
    });
  }

  it('LIMIT-9 /sync: one connection flooding its workspace is throttled first; a normal writer of the same workspace is taken', async () => {
    await start({ perConnection: roomy, perWorkspace: { burst: 8, perSecond: 1 } });
    const flooder = await connect('tok-ana');
    const writer = await connect('tok-ben');
    const flood = flooder.subscribe('ws1:ticket:flood');
    const typed = writer.subscribe('ws1:ticket:typed');
    await Promise.all([flooder.synced('ws1:ticket:flood'), writer.synced('ws1:ticket:typed')]);
    // The flood takes the workspace's burst but its reserve (a quarter), then is refused.
    for (let i = 0; i < 8; i++) flood.getText('t').insert(0, 'f');
    const refusal = await flooder.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ code: DocErrorCode.rateLimited });
    // The clock stands still: no token comes back, yet the normal writer's changes are taken.
    for (const char of 'ok') {
      typed.getText('t').insert(typed.getText('t').length, char);
      await writer.allAcked('ws1:ticket:typed');
    }
    expect(writer.messages.some((m) => m.type === MessageType.docError)).toBe(false);
    expect(await stored('ws1:ticket:typed')).toBe('ok');
  });

  it('LIMIT-9 /sync: a protocol-2 client gets storage_unavailable (which it retries), not a code it does not know', async () => {
    await start(buckets[0]!.rate);
    const docId = 'ws1:ticket:old';
    const old = await connect('tok-ana', 2);
    const doc = old.subscribe(docId);
    await old.synced(docId);
    for (let i = 0; i <= BURST; i++) doc.getText('t').insert(0, 'o');
    const refusal = await old.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId, code: DocErrorCode.storageUnavailable });
    expect(refusal).not.toHaveProperty('retryAfterMs');
  });

  for (const c of cases) {
    it(`LIMIT-9 /yjs (stock provider): ${c.updates} updates (${c.name} the burst) ${c.accepted ? 'are stored and forwarded' : 'close it with 4529 rate_limited; it reconnects and resends, nothing is lost'}`, async () => {
      await start(buckets[0]!.rate);
      const docId = 'ws1:ticket:y1';
      const seen = await observe(docId);
      const doc = new Y.Doc();
      const p = openStockProvider(t.url, docId, 'tok-ana', doc);
      providers.push(p);
      await providerSynced(p);
      const closes: { code: number; reason: string }[] = [];
      p.on('connection-close', (event) => {
        if (event) closes.push({ code: event.code, reason: event.reason });
        // The wait passes before the provider reconnects (its backoff runs on real time).
        now += 10_000;
      });
      for (let i = 0; i < c.updates; i++) doc.getText('t').insert(0, String.fromCharCode(97 + i));
      const sent = doc.getText('t').toString();
      await seen.observer.until(() => seen.text() === sent);
      expect(await stored(docId)).toBe(sent);
      if (c.accepted) {
        expect(closes).toEqual([]);
        return;
      }
      // Told with the documented code, reconnected (not stopped), and the change arrived.
      expect(closes[0]).toEqual({ code: CloseCode.rateLimited, reason: DocErrorCode.rateLimited });
      expect(p.shouldConnect).toBe(true);
    });
  }

  describe('chat messages per member per minute (SPEC LIMIT-10)', () => {
    const PER_MINUTE = 3;
    const channelId = 'ws1:channel:c1';
    const ana = { id: 'ana', name: 'Ana' };
    const messages = (doc: Y.Doc) => new ChannelDoc(doc).list().map((m) => m.body);
    const storedMessages = async () => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, await t.server.sync.readDocState(channelId));
      return messages(doc);
    };

    for (const c of cases) {
      const posts = c.updates;
      it(`LIMIT-10 /sync: ${posts} messages in a minute (${c.name} the limit) ${c.accepted ? 'are all posted' : 'post all but the last, refused whole with rate_limited and the wait'}`, async () => {
        await start({ perConnection: roomy, perWorkspace: roomy });
        t.auth.messagesPerMinute = PER_MINUTE;
        const sender = await connect('tok-ana');
        const doc = sender.subscribe(channelId);
        await sender.synced(channelId);
        const channel = new ChannelDoc(doc);
        for (let i = 0; i < posts; i++) {
          channel.post({ id: `m${i}`, body: `message ${i}` }, ana, 1000 + i);
          if (i < PER_MINUTE) await sender.allAcked(channelId);
        }
        if (c.accepted) {
          expect(await storedMessages()).toHaveLength(posts);
          return;
        }
        const refusal = await sender.waitFor((m) => m.type === MessageType.docError);
        // One message back every 60 s / 3 = 20 s.
        expect(refusal).toMatchObject({
          docId: channelId,
          code: DocErrorCode.rateLimited,
          retryAfterMs: 20_000,
        });
        expect(sender.closeInfo).toBeNull();
        expect(await storedMessages()).toEqual(['message 0', 'message 1', 'message 2']);
        // Edits are not messages: still taken at the limit (another member's bucket is full).
        const ben = await connect('tok-ben');
        const benDoc = ben.subscribe(channelId);
        await ben.synced(channelId);
        new ChannelDoc(benDoc).post(
          { id: 'b1', body: 'from ben' },
          { id: 'ben', name: 'Ben' },
          2000,
        );
        await ben.allAcked(channelId);
        expect(await storedMessages()).toContain('from ben');
      });

      it(`LIMIT-10 /yjs (stock provider): ${posts} messages in a minute (${c.name} the limit) ${c.accepted ? 'are all posted' : 'close it with 4529; it reconnects after the wait and posts the last, nothing lost'}`, async () => {
        await start({ perConnection: roomy, perWorkspace: roomy });
        t.auth.messagesPerMinute = PER_MINUTE;
        const doc = new Y.Doc();
        const p = openStockProvider(t.url, channelId, 'tok-ana', doc);
        providers.push(p);
        await providerSynced(p);
        const closes: { code: number; reason: string }[] = [];
        p.on('connection-close', (event) => {
          if (event) closes.push({ code: event.code, reason: event.reason });
          now += 60_000;
        });
        const seen = await observe(channelId);
        const channel = new ChannelDoc(doc);
        for (let i = 0; i < posts; i++)
          channel.post({ id: `m${i}`, body: `message ${i}` }, ana, 1000 + i);
        await seen.observer.until(
          () => messages(seen.observer.docs.get(channelId)!.doc).length === posts,
        );
        expect(await storedMessages()).toHaveLength(posts);
        if (c.accepted) {
          expect(closes).toEqual([]);
          return;
        }
        expect(closes[0]).toEqual({
          code: CloseCode.rateLimited,
          reason: DocErrorCode.rateLimited,
        });
      });
    }
  });

  it('LIMIT-11 /sync: subscribed carries the plan limits to a protocol-3 client, nothing to a protocol-2 one', async () => {
    await start({ perConnection: roomy, perWorkspace: roomy });
    t.auth.maxDocBytes = 5000;
    t.auth.maxTickets = 7;
    t.auth.messagesPerMinute = 30;
    const docId = 'ws1:ticket:l1';
    const now3 = await connect('tok-ana');
    now3.subscribe(docId);
    expect(await now3.waitFor((m) => m.type === MessageType.subscribed)).toEqual({
      type: MessageType.subscribed,
      docId,
      access: 1,
      limits: { maxDocBytes: 5000, maxTickets: 7, messagesPerMinute: 30 },
    });
    const old = await connect('tok-ben', 2);
    old.subscribe(docId);
    expect(await old.waitFor((m) => m.type === MessageType.subscribed)).not.toHaveProperty(
      'limits',
    );
  });
});
