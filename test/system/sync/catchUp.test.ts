import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MessageType } from '@desk/protocol';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

const users = {
  'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
  'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
} as const;
const DOCS = 300;
const CHANGED = 7;
const docId = (i: number) => `ws1:ticket:t${i}`;

describe('catch-up after reconnect', () => {
  let t: SyncTestServer;
  const clients: TestSyncClient[] = [];
  const connect = async (token: string) => {
    const client = await TestSyncClient.connect(t.url, { token });
    clients.push(client);
    return client;
  };
  beforeEach(async () => {
    t = await startSyncServer(users);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await t.stop();
  });

  it('SUB-6 exchanges messages only for the documents that changed while the client was away', async () => {
    for (let i = 0; i < DOCS; i++) {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, `ticket ${i}`);
      await t.server.sync.applyServerUpdate(docId(i), Y.encodeStateAsUpdate(doc));
    }

    // Ana holds every document and remembers the sequence she saw.
    const ana = await connect('tok-ana');
    const held = new Map<string, Y.Doc>();
    for (let i = 0; i < DOCS; i++) held.set(docId(i), ana.subscribe(docId(i)));
    await Promise.all([...held.keys()].map((id) => ana.synced(id)));
    const generation = t.server.sync.generation();
    const seen = await ana.catchUp('ws1', 0, generation);
    expect(seen.changed).toHaveLength(DOCS);
    await ana.close();

    // While she is away, Ben changes a few.
    const ben = await connect('tok-ben');
    for (let i = 0; i < CHANGED; i++) {
      const doc = ben.subscribe(docId(i * 13));
      await ben.synced(docId(i * 13));
      doc.getText('t').insert(0, 'changed ');
      await ben.allAcked(docId(i * 13));
    }

    // Back online: one catch-up, then a sync for the changed docs only.
    const back = await connect('tok-ana');
    const result = await back.catchUp('ws1', seen.seq, generation);
    expect(result.full).toBe(false);
    expect(result.changed.map((c) => c.docId).sort()).toEqual(
      Array.from({ length: CHANGED }, (_, i) => docId(i * 13)).sort(),
    );
    expect(result.seq).toBe(seen.seq + CHANGED);
    for (const { docId: id } of result.changed) back.subscribe(id, held.get(id)!);
    await Promise.all(result.changed.map((c) => back.synced(c.docId)));

    const exchanged = new Set(
      back.messages.filter((m) => m.type === MessageType.doc).map((m) => m.docId),
    );
    expect(exchanged.size).toBe(CHANGED);
    for (let i = 0; i < CHANGED; i++) {
      expect(
        held
          .get(docId(i * 13))!
          .getText('t')
          .toString(),
      ).toBe(`changed ticket ${i * 13}`);
    }
  });

  it('SUB-6 asks for a full exchange when the store generation differs (database restored)', async () => {
    const ana = await connect('tok-ana');
    const result = await ana.catchUp('ws1', 42, 'generation-before-restore');
    expect(result).toMatchObject({
      full: true,
      generation: t.server.sync.generation(),
      changed: [],
    });
  });

  it('SUB-6 refuses a catch-up for a workspace the user is not in, naming the workspace', async () => {
    const ana = await connect('tok-ana');
    ana.send({ type: MessageType.catchUp, workspaceId: 'ws9', sinceSeq: 0, generation: '' });
    const refusal = await ana.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ docId: 'ws9', code: 'not_member' });
  });
});
