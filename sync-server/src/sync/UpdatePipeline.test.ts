import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as decoding from 'lib0/decoding';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { until } from '@desk/protocol/testing';
import * as Y from 'yjs';
import {
  DocAccess,
  DocErrorCode,
  MessageType,
  decodeServerMessage,
  type CloseCode,
} from '@desk/protocol';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { createLogger } from '../log/logger.ts';
import { DocClosedError, WorkspaceClosedError } from '../store/DocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { DocRoom } from './DocRoom.ts';
import { DocSubscription } from './DocSubscription.ts';
import { InProcessFanOut } from './FanOut.ts';
import type { ConnectionLink } from './ConnectionLink.ts';
import type { SyncDocStore } from './SyncDocStore.ts';
import { defaultSyncLimits } from './SyncLimits.ts';
import { UpdatePipeline } from './UpdatePipeline.ts';
import { updateMessage } from './yMessages.ts';

const docId = 'ws1:ticket:t1';

/** A connection that records what the pipeline hands it. */
class RecordingConnection implements ConnectionLink {
  static #ids = 0;
  readonly id = ++RecordingConnection.#ids;
  readonly principal = { userId: 'u1', sessionId: null, tokenId: 'tok' };
  readonly sent: Uint8Array[] = [];
  acked = 0;
  readonly refusals: DocErrorCode[] = [];
  constructor(readonly framed: boolean) {}
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  sendCatchUp(): void {
    // The pipeline never answers a sync step 1.
  }
  ack(_subscription: DocSubscription, count: number): void {
    this.acked += count;
  }
  refuse(_subscription: DocSubscription, code: DocErrorCode): void {
    this.refusals.push(code);
  }
  fail(code: CloseCode): void {
    throw new Error(`unexpected close ${code}`);
  }
  /** The Yjs updates received, whatever the endpoint. */
  updates(): Uint8Array[] {
    return this.sent.map((bytes) => {
      let payload = bytes;
      if (this.framed) {
        const message = decodeServerMessage(bytes);
        if (message.type !== MessageType.doc) throw new Error('not a doc frame');
        payload = message.payload;
      }
      const decoder = decoding.createDecoder(payload);
      decoding.readVarUint(decoder); // sync
      decoding.readVarUint(decoder); // update
      return decoding.readVarUint8Array(decoder);
    });
  }
}

/** A client doc with a fixed id whose updates are collected. */
function writer(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

/** The clients whose structs an update carries. */
function clientsIn(update: Uint8Array): number[] {
  return [...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).keys()].sort();
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('UpdatePipeline', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteDocStore;
  let room: DocRoom;
  let pipeline: UpdatePipeline;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-pipeline-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = new SqliteDocStore(db);
    room = new DocRoom(
      docId,
      'ws1',
      new Y.Doc(),
      { lastLogId: 0, logCount: 0, logBytes: 0, storedBytes: 0 },
      Date.now,
    );
    pipeline = new UpdatePipeline(
      store,
      new InProcessFanOut(),
      createLogger('silent'),
      () => {},
      (_room, error) => {
        throw error;
      },
      (id) => (id === docId ? room : undefined),
    );
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const member = (framed: boolean) => {
    const connection = new RecordingConnection(framed);
    const subscription = new DocSubscription(
      connection,
      docId,
      'ws1',
      pipeline,
      defaultSyncLimits,
      Date.now(),
    );
    subscription.state = 'active';
    subscription.access = DocAccess.write;
    subscription.room = room;
    room.add(subscription);
    return {
      connection,
      subscription,
      send: (u: Uint8Array) => subscription.receive(updateMessage(u), null),
    };
  };

  const stored = () => {
    const doc = new Y.Doc();
    for (const update of store.load(docId)?.log ?? []) Y.applyUpdate(doc, update);
    return doc;
  };

  describe('group commit', () => {
    /** The pipeline with group commit, over a store that counts its transactions. */
    const withGroupCommit = (smallBatch: number, intervalMs: number) => {
      const transactions: number[] = [];
      const counting = Object.create(store) as SqliteDocStore;
      counting.append = (updates) => {
        transactions.push(updates.length);
        return store.append(updates);
      };
      pipeline = new UpdatePipeline(
        counting,
        new InProcessFanOut(),
        createLogger('silent'),
        () => {},
        (_room, error) => {
          throw error;
        },
        (id) => (id === docId ? room : undefined),
        { smallBatch, intervalMs },
      );
      return transactions;
    };

    it('stores lone updates that follow a small batch together, and nothing is forwarded or acked before', async () => {
      // An interval far longer than the test: the wait is what is observed, not a duration.
      const transactions = withGroupCommit(4, 60_000);
      const a = member(true);
      const b = member(true);
      const w = writer(1);
      w.doc.getText('t').insert(0, 'a');
      a.send(w.updates[0]!);
      await until(() => transactions.length === 1, 'the first update is stored in its turn');
      expect(b.connection.updates()).toHaveLength(1);
      expect(a.connection.acked).toBe(1);

      w.doc.getText('t').insert(1, 'b');
      a.send(w.updates[1]!);
      for (let i = 0; i < 5; i++) await nextTurn();
      w.doc.getText('t').insert(2, 'c');
      a.send(w.updates[2]!);
      for (let i = 0; i < 5; i++) await nextTurn();
      // Waiting for the next transaction: not stored, so neither forwarded nor acked.
      expect(transactions).toEqual([1]);
      expect(b.connection.updates()).toHaveLength(1);
      expect(a.connection.acked).toBe(1);

      pipeline.flushNow();
      expect(transactions).toEqual([1, 2]);
      expect(a.connection.acked).toBe(3);
      expect(b.connection.updates()).toHaveLength(2);
      expect(stored().getText('t').toString()).toBe('abc');
    });

    it('stores a waiting batch in the next turn once it is no longer small, not at the end of the interval', async () => {
      const transactions = withGroupCommit(3, 60_000);
      const a = member(false);
      const b = member(false);
      const w = writer(1);
      w.doc.getText('t').insert(0, 'a');
      a.send(w.updates[0]!);
      await until(() => transactions.length === 1, 'the first update is stored in its turn');
      for (const char of 'bc') {
        w.doc.getText('t').insert(0, char);
        a.send(w.updates.at(-1)!);
        for (let i = 0; i < 5; i++) await nextTurn();
      }
      expect(transactions).toEqual([1]); // two: still small, waiting
      w.doc.getText('t').insert(0, 'd');
      a.send(w.updates.at(-1)!); // three: a writer waiting for these is not held back
      await until(() => transactions.length === 2, 'the batch of three is stored');
      expect(transactions).toEqual([1, 3]);
      expect(a.connection.acked).toBe(4); // after their commits
      expect(b.connection.updates()).toHaveLength(2); // the first, then the three merged
    });

    it('holds a batch from its first update while lone updates keep coming, not after a quiet spell', async () => {
      // The clock and the group-commit timer are faked; turns (setImmediate) are real.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      try {
        const transactions = withGroupCommit(4, 10);
        const a = member(false);
        const w = writer(1);
        const send = (char: string) => {
          w.doc.getText('t').insert(0, char);
          a.send(w.updates.at(-1)!);
        };
        // `until` polls with setTimeout, faked here: turns are counted instead.
        const turns = async (n = 5) => {
          for (let i = 0; i < n; i++) await nextTurn();
        };
        send('a');
        await turns();
        expect(transactions).toEqual([1]); // the first update, in its turn
        // Past the interval counted from that commit, within the stream's five intervals:
        // held for the interval from this update, the whole of it.
        vi.advanceTimersByTime(15);
        send('b');
        await turns();
        vi.advanceTimersByTime(9);
        await turns();
        expect(transactions).toEqual([1]);
        expect(a.connection.acked).toBe(1);
        vi.advanceTimersByTime(1);
        expect(transactions).toEqual([1, 1]);
        expect(a.connection.acked).toBe(2);
        // After a quiet spell (five intervals and more): stored in its own turn.
        vi.advanceTimersByTime(50);
        send('c');
        await turns();
        expect(transactions).toEqual([1, 1, 1]);
        expect(a.connection.acked).toBe(3);
      } finally {
        vi.useRealTimers();
      }
    });

    it('stores the next batch in its own turn after a batch that was not small', async () => {
      const transactions = withGroupCommit(2, 60_000);
      const a = member(false);
      const w = writer(1);
      for (const char of 'xy') w.doc.getText('t').insert(0, char);
      a.send(w.updates[0]!);
      a.send(w.updates[1]!);
      await until(() => transactions.length === 1, 'the batch of two is stored');
      w.doc.getText('t').insert(0, 'z');
      a.send(w.updates[2]!);
      await until(() => transactions.length === 2, 'the next update is stored in its turn');
      expect(transactions).toEqual([2, 1]);
      expect(a.connection.acked).toBe(3);
    });
  });

  it('LIMIT-12 tells each storage limit the bytes of its updates once they are committed, once per batch', async () => {
    const a = member(false);
    const b = member(false);
    const told: [string, number][] = [];
    const limit = (name: string) => ({
      quotaBytes: 1_000_000,
      used: () => 0,
      stored: (bytes: number) => told.push([name, bytes]),
    });
    a.subscription.storage = limit('a');
    b.subscription.storage = limit('b');
    const [wa, wb] = [writer(1), writer(2)];
    wa.doc.getText('t').insert(0, 'hello');
    wa.doc.getText('t').insert(5, ' world');
    wb.doc.getText('t').insert(0, 'x');
    a.send(wa.updates[0]!);
    a.send(wa.updates[1]!);
    b.send(wb.updates[0]!);
    expect(told).toEqual([]); // nothing stored yet
    await until(() => a.connection.acked === 2, 'the batch is stored');
    expect(told).toEqual([
      ['a', wa.updates[0]!.byteLength + wa.updates[1]!.byteLength],
      ['b', wb.updates[0]!.byteLength],
    ]);
  });

  describe('no echo', () => {
    it('WRITE-4 sends every sender the others’ updates of the turn and never its own', async () => {
      const a = member(false);
      const b = member(true);
      const c = member(false);
      const watcher = member(true);
      const [wa, wb, wc] = [writer(1), writer(2), writer(3)];
      wa.doc.getMap('m').set('a', 1);
      wb.doc.getMap('m').set('b', 1);
      wc.doc.getMap('m').set('c', 1);
      wa.doc.getMap('m').set('a2', 1);
      // One event-loop turn: a twice, b and c once.
      a.send(wa.updates[0]!);
      b.send(wb.updates[0]!);
      c.send(wc.updates[0]!);
      a.send(wa.updates[1]!);
      await nextTurn();

      const received = (s: { connection: RecordingConnection }) =>
        [...new Set(s.connection.updates().flatMap(clientsIn))].sort();
      expect(received(a)).toEqual([2, 3]);
      expect(received(b)).toEqual([1, 3]);
      expect(received(c)).toEqual([1, 2]);
      // At most ⌈log2 3⌉ frames per sender (exclusionTree.ts); one for a silent member.
      for (const s of [a, b, c]) expect(s.connection.sent.length).toBeLessThanOrEqual(2);
      expect(watcher.connection.updates().map(clientsIn)).toEqual([[1, 2, 3]]);
      expect([a.connection.acked, b.connection.acked, c.connection.acked]).toEqual([2, 1, 1]);

      // Everyone converges on what the server holds.
      for (const [w, s] of [
        [wa, a],
        [wb, b],
        [wc, c],
      ] as const) {
        for (const update of s.connection.updates()) Y.applyUpdate(w.doc, update);
        expect(w.doc.getMap('m').toJSON()).toEqual(room.doc!.getMap('m').toJSON());
      }
      expect(room.doc!.getMap('m').toJSON()).toEqual({ a: 1, a2: 1, b: 1, c: 1 });
    });

    it('WRITE-4 forwards the one other update of a turn to a sender as it came', async () => {
      const a = member(true);
      const b = member(false);
      const [wa, wb] = [writer(1), writer(2)];
      wa.doc.getMap('m').set('a', 1);
      wb.doc.getMap('m').set('b', 1);
      a.send(wa.updates[0]!);
      b.send(wb.updates[0]!);
      await nextTurn();
      expect(a.connection.updates()).toEqual([wb.updates[0]]);
      expect(b.connection.updates()).toEqual([wa.updates[0]]);
    });

    it('WRITE-4 leaves a lone sender of several updates out of the merged frame', async () => {
      const a = member(false);
      const b = member(false);
      const wa = writer(1);
      wa.doc.getMap('m').set('x', 1);
      wa.doc.getMap('m').set('y', 2);
      a.send(wa.updates[0]!);
      a.send(wa.updates[1]!);
      await nextTurn();
      expect(a.connection.sent).toEqual([]);
      expect(b.connection.updates().map(clientsIn)).toEqual([[1]]);
    });

    it('WRITE-4 still sends a lone sender a server update of the same turn (CONV-1, seed 3995)', async () => {
      const a = member(false);
      const b = member(true);
      const [wa, server] = [writer(1), writer(9)];
      wa.doc.getMap('m').set('a', 1);
      server.doc.getMap('m').set('server', 1);
      // One turn: the stock provider's own update and a server update (a restore).
      a.send(wa.updates[0]!);
      const stored = pipeline.submitServer(room, server.updates[0]!);
      await nextTurn();
      await stored;
      expect(a.connection.updates().map(clientsIn)).toEqual([[9]]);
      expect(b.connection.updates().map(clientsIn)).toEqual([[1, 9]]);
    });
  });

  describe('missing dependencies (SPEC.md, DEP)', () => {
    it('DEP-1 refuses whole, before storing, an update that needs structs the server never received', async () => {
      const a = member(false);
      const b = member(false);
      const wa = writer(1);
      wa.doc.getText('t').insert(0, 'hello');
      wa.doc.getText('t').insert(5, ' world');
      a.send(wa.updates[1]!);
      await nextTurn();
      expect(a.connection.refusals).toEqual([DocErrorCode.missingDependencies]);
      expect(a.connection.acked).toBe(0);
      expect(store.load(docId)).toBeNull();
      expect(b.connection.sent).toEqual([]);
      expect(room.doc!.store.pendingStructs).toBeNull();

      // Sent in causal order, even in one turn, both are stored and nothing stays pending.
      a.send(wa.updates[0]!);
      a.send(wa.updates[1]!);
      await nextTurn();
      expect(a.connection.acked).toBe(2);
      expect(stored().getText('t').toString()).toBe('hello world');
      expect(stored().store.pendingStructs).toBeNull();
      expect(b.connection.updates().map(clientsIn)).toEqual([[1]]);
    });

    it('DEP-4 does not check a doc that already holds pending structs from before the rule', async () => {
      const a = member(false);
      const wa = writer(1);
      wa.doc.getText('t').insert(0, 'hello');
      wa.doc.getText('t').insert(5, ' world');
      wa.doc.getText('t').insert(11, '!');
      // Stored by an older server: the second edit without the first, so the doc holds it pending.
      Y.applyUpdate(room.doc!, wa.updates[1]!);
      expect(room.hasPending).toBe(true);
      a.send(wa.updates[2]!);
      await nextTurn();
      expect(a.connection.refusals).toEqual([]);
      expect(a.connection.acked).toBe(1);
    });

    it('DEP-1 refuses deleting what the server never received, and answers in send order', async () => {
      const a = member(false);
      const wa = writer(1);
      wa.doc.getText('t').insert(0, 'abc');
      const insert = wa.updates[0]!;
      const other = writer(2);
      other.doc.getText('t').insert(0, 'zzz');
      Y.applyUpdate(wa.doc, other.updates[0]!);
      wa.doc.getText('t').delete(0, 6); // deletes client 2's structs too
      const deletion = wa.updates.at(-1)!;
      a.send(insert);
      a.send(deletion);
      await nextTurn();
      expect(a.connection.acked).toBe(1);
      expect(a.connection.refusals).toEqual([DocErrorCode.missingDependencies]);
      expect(room.doc!.store.pendingDs).toBeNull();
      expect(stored().getText('t').toString()).toBe('abc');
    });
  });
  describe('tickets per workspace (SPEC.md, LIMIT-7)', () => {
    /** Rooms for any doc id, and a member of one of them under a ticket limit. */
    const rooms = new Map<string, DocRoom>();
    const roomOf = (id: string) => {
      let r = rooms.get(id);
      if (!r) {
        const stored = store.load(id);
        r = new DocRoom(
          id,
          id.split(':')[0]!,
          new Y.Doc(),
          {
            lastLogId: stored?.lastLogId ?? 0,
            logCount: 0,
            logBytes: 0,
            storedBytes: stored?.storedBytes ?? 0,
          },
          Date.now,
        );
        rooms.set(id, r);
      }
      return r;
    };
    const writerTo = (id: string, maxTickets: number) => {
      const connection = new RecordingConnection(false);
      const r = roomOf(id);
      const subscription = new DocSubscription(
        connection,
        id,
        r.workspaceId,
        pipeline,
        defaultSyncLimits,
        Date.now(),
      );
      subscription.state = 'active';
      subscription.access = DocAccess.write;
      subscription.maxTickets = maxTickets;
      subscription.room = r;
      r.add(subscription);
      const w = writer(rooms.size * 10 + connection.id);
      return {
        connection,
        write: (text: string) => {
          w.doc.getText('t').insert(0, text);
          subscription.receive(updateMessage(w.updates.at(-1)!), null);
        },
      };
    };
    const seedTickets = (workspaceId: string, n: number) => {
      const w = writer(999);
      w.doc.getText('t').insert(0, 'seed');
      store.append(
        Array.from({ length: n }, (_, i) => ({
          docId: `${workspaceId}:ticket:old${i}`,
          workspaceId,
          update: w.updates[0]!,
        })),
      );
    };

    beforeEach(() => {
      rooms.clear();
      pipeline = new UpdatePipeline(
        store,
        new InProcessFanOut(),
        createLogger('silent'),
        () => {},
        (_room, error) => {
          throw error;
        },
        (id) => rooms.get(id),
      );
    });

    it('LIMIT-7 takes a new ticket just under the limit and at it refuses the next one whole; existing tickets and other docs still take writes', async () => {
      seedTickets('ws1', 2);
      const underLimit = writerTo('ws1:ticket:new1', 3);
      underLimit.write('third ticket');
      await nextTurn();
      expect(underLimit.connection.refusals).toEqual([]);
      expect(underLimit.connection.acked).toBe(1);
      expect(store.ticketCount('ws1')).toBe(3);

      // At the limit: the new ticket's first write is refused and nothing of it is stored.
      const overLimit = writerTo('ws1:ticket:new2', 3);
      const watcher = writerTo('ws1:ticket:new2', 3);
      overLimit.write('fourth ticket');
      await nextTurn();
      expect(overLimit.connection.refusals).toEqual([DocErrorCode.ticketLimit]);
      expect(overLimit.connection.acked).toBe(0);
      expect(watcher.connection.sent).toEqual([]);
      expect(store.load('ws1:ticket:new2')).toBeNull();
      expect(store.ticketCount('ws1')).toBe(3);

      // Tickets that exist, the index and another workspace are not limited by it.
      const existing = writerTo('ws1:ticket:old0', 3);
      const again = writerTo('ws1:ticket:new1', 3);
      const index = writerTo('ws1:index', 3);
      const elsewhere = writerTo('ws2:ticket:new1', 3);
      for (const m of [existing, again, index, elsewhere]) m.write('more');
      await nextTurn();
      for (const m of [existing, again, index, elsewhere]) {
        expect(m.connection.refusals).toEqual([]);
        expect(m.connection.acked).toBe(1);
      }
    });

    it('LIMIT-7 counts the new tickets of one turn together: one more than fits is refused, a second write to an admitted one is not', async () => {
      seedTickets('ws1', 1);
      const a = writerTo('ws1:ticket:a', 3);
      const b = writerTo('ws1:ticket:b', 3);
      const c = writerTo('ws1:ticket:c', 3);
      a.write('a');
      b.write('b');
      a.write('a again');
      c.write('c');
      await nextTurn();
      expect([a.connection.acked, b.connection.acked, c.connection.acked]).toEqual([2, 1, 0]);
      expect(c.connection.refusals).toEqual([DocErrorCode.ticketLimit]);
      expect(store.ticketCount('ws1')).toBe(3);
    });

    it('LIMIT-7 does not limit server writes (a restore brings back tickets once accepted)', async () => {
      seedTickets('ws1', 3);
      const w = writer(5);
      w.doc.getText('t').insert(0, 'restored');
      await pipeline.submitServer({ docId: 'ws1:ticket:back', workspaceId: 'ws1' }, w.updates[0]!);
      expect(store.ticketCount('ws1')).toBe(4);
    });
  });

  describe('document size limit (SPEC.md, LIMIT)', () => {
    const limited = (maxDocBytes: number) => {
      const m = member(false);
      m.subscription.maxDocBytes = maxDocBytes;
      return m;
    };

    it('LIMIT-3 accepts an update that brings the doc just under or exactly to the limit, refuses one byte over', async () => {
      const update = (client: number) => {
        const w = writer(client);
        w.doc.getText('t').insert(0, 'x'.repeat(40));
        return w.updates[0]!;
      };
      const size = update(1).byteLength;
      for (const [client, limit, accepted] of [
        [1, size + 1, true],
        [2, size, true],
        [3, size - 1, false],
      ] as const) {
        room.storedBytes = 0; // each case starts from an empty stored doc
        const a = limited(limit);
        expect(update(client).byteLength).toBe(size);
        a.send(update(client));
        await nextTurn();
        expect(a.connection.refusals).toEqual(accepted ? [] : [DocErrorCode.docTooLarge]);
        expect(a.connection.acked).toBe(accepted ? 1 : 0);
        room.remove(a.subscription);
      }
    });

    it('LIMIT-3 counts the updates of one turn together: the one that passes the limit is refused whole and reaches nobody', async () => {
      const [wa, wb, wc] = [writer(1), writer(2), writer(3)];
      wa.doc.getText('a').insert(0, 'a'.repeat(100));
      wb.doc.getText('b').insert(0, 'b'.repeat(100));
      wc.doc.getText('c').insert(0, 'c'.repeat(10));
      const [ua, ub, uc] = [wa.updates[0]!, wb.updates[0]!, wc.updates[0]!];
      // Room for a and c, not for b as well: b comes second and is refused, c still fits.
      const limit = ua.byteLength + uc.byteLength + 5;
      const a = limited(limit);
      const b = limited(limit);
      const c = limited(limit);
      const watcher = member(true);
      a.send(ua);
      b.send(ub);
      c.send(uc);
      await nextTurn();
      expect(b.connection.refusals).toEqual([DocErrorCode.docTooLarge]);
      expect([a.connection.acked, b.connection.acked, c.connection.acked]).toEqual([1, 0, 1]);
      // Nobody received any of b's bytes, merged or not.
      for (const m of [a, b, c, watcher]) {
        for (const update of m.connection.updates()) expect(clientsIn(update)).not.toContain(2);
      }
      expect(stored().getText('b').toString()).toBe('');
      expect(room.doc!.getText('b').toString()).toBe('');
      expect(stored().getText('a').toString()).toBe('a'.repeat(100));
      expect(stored().getText('c').toString()).toBe('c'.repeat(10));
      expect(room.storedBytes).toBe(ua.byteLength + uc.byteLength);
    });

    it('WRITE-2 refuses what builds on a refused update in the same turn, so nothing of it is half-applied', async () => {
      const w = writer(1);
      w.doc.getText('t').insert(0, 'x'.repeat(200));
      w.doc.getText('t').insert(200, 'y');
      const a = limited(100);
      const watcher = member(false);
      a.send(w.updates[0]!);
      a.send(w.updates[1]!);
      await nextTurn();
      expect(a.connection.refusals).toEqual([
        DocErrorCode.docTooLarge,
        DocErrorCode.missingDependencies,
      ]);
      expect(store.load(docId)).toBeNull();
      expect(watcher.connection.sent).toEqual([]);
      expect(room.doc!.store.pendingStructs).toBeNull();
    });

    it('LIMIT-4 accepts deletions in a doc at its limit, so it can be cleaned up', async () => {
      const w = writer(1);
      w.doc.getText('t').insert(0, 'x'.repeat(100));
      const a = limited(w.updates[0]!.byteLength);
      a.send(w.updates[0]!);
      await nextTurn();
      w.doc.getText('t').delete(0, 50);
      a.send(w.updates[1]!);
      w.doc.getText('t').insert(0, 'z');
      a.send(w.updates[2]!);
      await nextTurn();
      expect(a.connection.acked).toBe(2);
      expect(a.connection.refusals).toEqual([DocErrorCode.docTooLarge]);
      expect(stored().getText('t').toString()).toBe('x'.repeat(50));
    });
  });

  describe('on a store that answers later (PostgreSQL in a cluster)', () => {
    /** The SQLite store behind promises the test settles: one append held at a time. */
    const withLateStore = () => {
      const appends: { size: number; commit: () => void }[] = [];
      pipeline = new UpdatePipeline(
        {
          append: (updates) =>
            new Promise((resolve) => {
              appends.push({ size: updates.length, commit: () => resolve(store.append(updates)) });
            }),
          ticketCount: (workspaceId) => Promise.resolve(store.ticketCount(workspaceId)),
        },
        new InProcessFanOut(),
        createLogger('silent'),
        () => {},
        (_room, error) => {
          throw error;
        },
        (id) => (id === docId ? room : undefined),
      );
      return appends;
    };

    it('keeps one append in flight: what arrives meanwhile is the next batch, admitted against the doc with the first applied; nothing forwarded or acked before its commit', async () => {
      const appends = withLateStore();
      const a = member(false);
      const b = member(false);
      const w = writer(7);
      w.doc.getText('t').insert(0, 'one');
      a.send(w.updates[0]!);
      await until(() => appends.length === 1, 'the first append');
      // Depends on the first, which is not stored yet: it must wait, not be refused.
      w.doc.getText('t').insert(3, ' two');
      a.send(w.updates[1]!);
      w.doc.getText('t').insert(7, ' three');
      a.send(w.updates[2]!);
      await nextTurn();
      await nextTurn();
      expect(appends).toHaveLength(1);
      expect(a.connection.acked).toBe(0);
      expect(b.connection.updates()).toEqual([]);

      appends[0]!.commit();
      await until(() => appends.length === 2, 'the second append');
      expect(appends.map((append) => append.size)).toEqual([1, 2]);
      expect(a.connection.acked).toBe(1);
      expect(b.connection.updates()).toHaveLength(1);
      expect(room.doc!.getText('t').toString()).toBe('one');

      appends[1]!.commit();
      await until(() => a.connection.acked === 3, 'every ack');
      expect(a.connection.refusals).toEqual([]);
      expect(room.doc!.getText('t').toString()).toBe('one two three');
      expect(stored().getText('t').toString()).toBe('one two three');
      await pipeline.drain();
    });
  });
  describe('a workspace whose purge has begun (DocStore.closeWorkspace)', () => {
    for (const answers of ['at once', 'later'] as const) {
      it(`refuses its updates with workspace_deleted, acks none, and stores the other workspace's of the same turn (store answering ${answers})`, async () => {
        const other = new DocRoom(
          'ws2:index',
          'ws2',
          new Y.Doc(),
          { lastLogId: 0, logCount: 0, logBytes: 0, storedBytes: 0 },
          Date.now,
        );
        // The store as PostgreSQL's answers: later, as a promise.
        const late: Pick<SyncDocStore, 'append' | 'ticketCount'> = {
          append: (updates) => Promise.resolve().then(() => store.append(updates)),
          ticketCount: (workspaceId) => store.ticketCount(workspaceId),
        };
        pipeline = new UpdatePipeline(
          answers === 'at once' ? store : late,
          new InProcessFanOut(),
          createLogger('silent'),
          () => {},
          (_room, error) => {
            throw error;
          },
          (id) => (id === docId ? room : id === other.docId ? other : undefined),
        );
        const closed = member(true);
        const elsewhere = new RecordingConnection(true);
        const subscription = new DocSubscription(
          elsewhere,
          other.docId,
          'ws2',
          pipeline,
          defaultSyncLimits,
          Date.now(),
        );
        subscription.state = 'active';
        subscription.access = DocAccess.write;
        subscription.room = other;
        other.add(subscription);

        // Another process's purge closed ws1 before this process heard of it.
        store.closeWorkspace('ws1');
        const w = writer(7);
        w.doc.getText('t').insert(0, 'lost?');
        closed.send(w.updates[0]!);
        const v = writer(8);
        v.doc.getText('t').insert(0, 'kept');
        subscription.receive(updateMessage(v.updates[0]!), null);
        const server = pipeline.submitServer(room, w.updates[0]!);
        await expect(server).rejects.toBeInstanceOf(WorkspaceClosedError);
        await pipeline.drain();

        // The writer is told, not acked: its replica forgets the workspace.
        expect(closed.connection.refusals).toEqual([DocErrorCode.workspaceDeleted]);
        expect(closed.connection.acked).toBe(0);
        expect(store.load(docId)).toBeNull();
        expect(room.doc!.getText('t').toString()).toBe('');
        // The other workspace's update of the same turn was stored and acked.
        expect(elsewhere.acked).toBe(1);
        expect(elsewhere.refusals).toEqual([]);
        expect(store.load(other.docId)!.log).toHaveLength(1);
        expect(other.doc!.getText('t').toString()).toBe('kept');
      });
    }
  });
  describe('a deleted account’s private doc (DocStore.closeDocs)', () => {
    it('refuses its updates with access_revoked, acks none, and stores the ticket’s of the same turn', async () => {
      const mine = new DocRoom(
        'ws1:user:u1',
        'ws1',
        new Y.Doc(),
        { lastLogId: 0, logCount: 0, logBytes: 0, storedBytes: 0 },
        Date.now,
      );
      pipeline = new UpdatePipeline(
        store,
        new InProcessFanOut(),
        createLogger('silent'),
        () => {},
        (_room, error) => {
          throw error;
        },
        (id) => (id === docId ? room : id === mine.docId ? mine : undefined),
      );
      const subscribe = (target: DocRoom) => {
        const connection = new RecordingConnection(true);
        const subscription = new DocSubscription(
          connection,
          target.docId,
          'ws1',
          pipeline,
          defaultSyncLimits,
          Date.now(),
        );
        subscription.state = 'active';
        subscription.access = DocAccess.write;
        subscription.room = target;
        target.add(subscription);
        return { connection, subscription };
      };
      const deleted = subscribe(mine);
      const ticket = subscribe(room);

      // Another process deleted the account (closing its private docs) before this one heard.
      store.closeDocs([{ docId: mine.docId, workspaceId: 'ws1' }]);
      const w = writer(7);
      w.doc.getText('t').insert(0, 'my notes');
      deleted.subscription.receive(updateMessage(w.updates[0]!), null);
      const v = writer(8);
      v.doc.getText('t').insert(0, 'kept');
      ticket.subscription.receive(updateMessage(v.updates[0]!), null);
      const server = pipeline.submitServer(mine, w.updates[0]!);
      await expect(server).rejects.toBeInstanceOf(DocClosedError);
      await pipeline.drain();

      // Told what the account's sockets are told, never acked: nothing recreated the doc.
      expect(deleted.connection.refusals).toEqual([DocErrorCode.accessRevoked]);
      expect(deleted.connection.acked).toBe(0);
      expect(store.load(mine.docId)).toBeNull();
      expect(mine.doc!.getText('t').toString()).toBe('');
      expect(ticket.connection.acked).toBe(1);
      expect(ticket.connection.refusals).toEqual([]);
      expect(store.load(docId)!.log).toHaveLength(1);
    });
  });
});
