import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, DocErrorCode, MessageType, PROTOCOL_VERSION } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import type { ServerContext } from '../ServerContext.ts';
import {
  clientFrame,
  docFrame,
  FakeWebSocket,
  openTestServerContext,
} from '../testing/syncCore.ts';
import { StaticSyncAuth } from '../testing/StaticSyncAuth.ts';
import type { Authentication } from './SyncAuth.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { SyncEngine } from './SyncEngine.ts';
import { syncStep1Message, updateMessage } from './yMessages.ts';

// The engine's own jobs — admitting sockets, access events, server writes, shutdown — over
// fake `ws` sockets and a real SQLite file. Real sockets and processes: test/system/sync.

const ticket = 'ws1:ticket:t1';

const signedIn = (userId: string): Authentication => ({
  ok: true,
  principal: { userId, sessionId: `s-${userId}`, tokenId: null },
});

describe('SyncEngine', () => {
  let opened: { ctx: ServerContext; close(): void };
  let engine: SyncEngine;

  beforeEach(() => {
    opened = openTestServerContext();
    const auth = new StaticSyncAuth({
      'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
      'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
    });
    engine = new SyncEngine(opened.ctx, {
      auth,
      store: new SqliteDocStore(opened.ctx.db, opened.ctx.now),
      limits: { closeGraceMs: 5_000 },
    });
  });
  afterEach(async () => {
    await engine.closeAll();
    await engine.flush();
    opened.close();
  });

  /** A welcomed `/sync` socket of `userId`. */
  const openSync = (userId = 'ana') => {
    const ws = new FakeWebSocket();
    engine.openSync(ws.asWebSocket(), signedIn(userId));
    ws.receive(clientFrame({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }));
    return ws;
  };

  const subscribe = async (ws: FakeWebSocket, docId = ticket) => {
    ws.receive(clientFrame({ type: MessageType.subscribe, docId }));
    ws.receive(docFrame(docId, syncStep1Message(new Y.Doc())));
    await until(
      () => ws.messages().some((m) => m.type === MessageType.subscribed && m.docId === docId),
      'subscribed',
    );
  };

  const textOf = (state: Uint8Array) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    return doc.getText('t').toString();
  };

  const updateOf = (text: string) => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, text);
    return Y.encodeStateAsUpdate(doc);
  };

  it('CONN-3 refuses an unauthenticated /sync upgrade with its close code, telling why first; /yjs by the close alone', () => {
    const refused: Authentication = {
      ok: false,
      closeCode: CloseCode.unauthenticated,
      message: 'Please log in.',
    };
    const sync = new FakeWebSocket();
    engine.openSync(sync.asWebSocket(), refused);
    expect(sync.messages()).toEqual([
      { type: MessageType.error, code: CloseCode.unauthenticated, message: 'Please log in.' },
    ]);
    expect(sync.closedWith?.code).toBe(CloseCode.unauthenticated);
    const yjs = new FakeWebSocket();
    engine.openYjs(yjs.asWebSocket(), refused, ticket);
    expect(yjs.frames).toEqual([]);
    expect(yjs.closedWith?.code).toBe(CloseCode.unauthenticated);
    expect(engine.connectionCount).toBe(0);
  });

  it('YJS-2 closes a /yjs socket whose path is no doc id with 4404 invalid_doc_id', async () => {
    const ws = new FakeWebSocket();
    engine.openYjs(ws.asWebSocket(), signedIn('ana'), 'not-a-doc');
    expect(ws.closedWith).toEqual({
      code: CloseCode.docRefused,
      reason: DocErrorCode.invalidDocId,
    });
    await until(() => engine.connectionCount === 0, 'the connection forgotten');
  });

  it('counts live connections and forgets those that closed', async () => {
    const a = openSync('ana');
    openSync('ben');
    expect(engine.connectionCount).toBe(2);
    a.close(1000, 'bye');
    await until(() => engine.connectionCount === 1, 'one connection left');
  });

  it('ACCESS-1 closes every socket of a revoked login session or a suspended user with 4402, and no other', async () => {
    const ana = openSync('ana');
    const ben = openSync('ben');
    opened.ctx.access.emit('sessionsRevoked', { sessionIds: ['s-ana'] });
    expect(ana.closedWith?.code).toBe(CloseCode.sessionRevoked);
    expect(ben.closedWith).toBeNull();
    opened.ctx.access.emit('userSuspended', { userId: 'ben' });
    expect(ben.closedWith?.code).toBe(CloseCode.sessionRevoked);
    await until(() => engine.connectionCount === 0, 'both forgotten');
  });

  it('ACCESS-4 closes the sockets of users who must accept new terms with 4451', () => {
    const ana = openSync('ana');
    const ben = openSync('ben');
    opened.ctx.access.emit('termsRequired', { userIds: ['ana'] });
    expect(ana.closedWith?.code).toBe(CloseCode.termsNotAccepted);
    expect(ben.closedWith).toBeNull();
  });

  it('ACCESS-2 ends the subscriptions of a removed member when its membership changes', async () => {
    const ana = openSync('ana');
    await subscribe(ana);
    const auth = engine.auth as StaticSyncAuth;
    auth.setGrant('ana', 'ws1', null);
    opened.ctx.access.emit('membershipChanged', { workspaceId: 'ws1', userId: 'ana', role: null });
    await until(
      () =>
        ana
          .messages()
          .some((m) => m.type === MessageType.docError && m.code === DocErrorCode.accessRevoked),
      'access_revoked',
    );
    expect(ana.closedWith).toBeNull();
  });

  it('WRITE-7 stores a server update to a doc nobody has open without loading it', async () => {
    await engine.applyServerUpdate(ticket, updateOf('restored'));
    expect(engine.rooms.get(ticket)).toBeUndefined();
    expect(textOf(await engine.readDocState(ticket))).toBe('restored');
  });

  it('WRITE-7 broadcasts a server update to the subscribers of an open doc once stored', async () => {
    const ana = openSync('ana');
    await subscribe(ana);
    const before = ana.frames.length;
    await engine.applyServerUpdate(ticket, updateOf('from the server'));
    expect(ana.frames.length).toBeGreaterThan(before);
    expect(textOf(await engine.readDocState(ticket))).toBe('from the server');
  });

  it('tells onStored listeners once per turn that stored updates, after its acks; not after a refusal', async () => {
    const ana = openSync('ana');
    await subscribe(ana);
    const acked = () => ana.messages().filter((m) => m.type === MessageType.ack).length;
    const calls: number[] = [];
    const stop = engine.onStored(() => calls.push(acked()));
    // Two updates in one turn: one stored turn.
    ana.receive(docFrame(ticket, updateMessage(updateOf('a'))));
    ana.receive(docFrame(ticket, updateMessage(updateOf('b'))));
    await until(() => calls.length > 0, 'the stored turn');
    expect(calls).toEqual([1]);
    await engine.applyServerUpdate(ticket, updateOf('server'));
    expect(calls).toHaveLength(2);
    // Refused whole (needs structs the server never received): nothing stored, no call.
    const writer = new Y.Doc();
    writer.getText('t').insert(0, 'x');
    const first = Y.encodeStateAsUpdate(writer);
    writer.getText('t').insert(1, 'y');
    const second = Y.encodeStateAsUpdate(writer, Y.encodeStateVectorFromUpdate(first));
    ana.receive(docFrame(ticket, updateMessage(second)));
    await until(() => ana.messages().some((m) => m.type === MessageType.docError), 'the refusal');
    expect(calls).toHaveLength(2);
    stop();
    await engine.applyServerUpdate(ticket, updateOf('after'));
    expect(calls).toHaveLength(2);
  });

  describe('deleteDocs', () => {
    const deleted = { code: DocErrorCode.accessRevoked, message: 'The account was deleted.' };
    const docErrors = (ws: FakeWebSocket) =>
      ws.messages().filter((m) => m.type === MessageType.docError && m.docId === ticket);

    it('deletes a doc loaded in a room with a live subscriber, its queued update included, and it does not come back', async () => {
      const ana = openSync('ana');
      await subscribe(ana);
      ana.receive(docFrame(ticket, updateMessage(updateOf('stored'))));
      await until(() => engine.store.load(ticket) !== null, 'the first update stored');
      // Queued in this turn, not stored yet: deleting must not leave it to be stored after.
      ana.receive(docFrame(ticket, updateMessage(updateOf('queued'))));
      // Ben asked for it too; his frames wait for authorization.
      const ben = openSync('ben');
      ben.receive(clientFrame({ type: MessageType.subscribe, docId: ticket }));
      ben.receive(docFrame(ticket, updateMessage(updateOf('pending'))));

      expect(engine.deleteDocs([ticket], deleted)).toBe(1);

      expect(engine.store.load(ticket)).toBeNull();
      expect(engine.rooms.get(ticket)).toBeUndefined();
      expect(docErrors(ana)).toMatchObject([{ code: DocErrorCode.accessRevoked }]);
      expect(docErrors(ben)).toMatchObject([{ code: DocErrorCode.accessRevoked }]);
      // A further write on the ended subscription is not stored.
      ana.receive(docFrame(ticket, updateMessage(updateOf('after'))));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(engine.store.load(ticket)).toBeNull();

      // After a restart, the store still has nothing of it.
      await engine.closeAll();
      await engine.flush();
      engine = new SyncEngine(opened.ctx, {
        auth: engine.auth,
        store: new SqliteDocStore(opened.ctx.db, opened.ctx.now),
      });
      expect(engine.store.load(ticket)).toBeNull();
      expect(textOf(await engine.readDocState(ticket))).toBe('');
    });

    it('closes a /yjs socket of a deleted doc with 4404 and the reason', async () => {
      const yjs = new FakeWebSocket();
      engine.openYjs(yjs.asWebSocket(), signedIn('ben'), ticket);
      await until(() => engine.rooms.get(ticket) !== undefined, 'the room loaded');
      engine.deleteDocs([ticket], deleted);
      expect(yjs.closedWith).toMatchObject({
        code: CloseCode.docRefused,
        reason: DocErrorCode.accessRevoked,
      });
    });

    it('leaves other docs and their subscribers alone', async () => {
      const ana = openSync('ana');
      await subscribe(ana);
      await engine.applyServerUpdate(ticket, updateOf('kept'));
      expect(engine.deleteDocs(['ws1:ticket:other'], deleted)).toBe(0);
      expect(docErrors(ana)).toEqual([]);
      expect(textOf(await engine.readDocState(ticket))).toBe('kept');
    });
  });

  it('CONN-7 closes every socket with 1012 on shutdown, waits for the closes, then admits no one', async () => {
    const sync = openSync('ana');
    const yjs = new FakeWebSocket();
    engine.openYjs(yjs.asWebSocket(), signedIn('ben'), ticket);
    await engine.closeAll();
    expect(sync.closedWith?.code).toBe(CloseCode.serverRestarting);
    expect(sync.messages().at(-1)).toMatchObject({
      type: MessageType.error,
      code: CloseCode.serverRestarting,
    });
    expect(yjs.closedWith?.code).toBe(CloseCode.serverRestarting);
    expect(engine.connectionCount).toBe(0);
    const late = new FakeWebSocket();
    engine.openSync(late.asWebSocket(), signedIn('ana'));
    expect(late.closedWith?.code).toBe(CloseCode.serverRestarting);
  });
});
