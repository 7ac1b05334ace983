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
import { StaticSyncAuth } from './StaticSyncAuth.ts';
import type { Authentication } from './SyncAuth.ts';
import { SyncEngine } from './SyncEngine.ts';
import { syncStep1Message } from './yMessages.ts';

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
    engine = new SyncEngine(opened.ctx, { auth, limits: { closeGraceMs: 5_000 } });
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
