import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import {
  createTicket,
  docIds,
  postComment,
  setHeadGeneration,
  setHeadKeptFrom,
  setTicketDeleted,
  TicketDoc,
  updateTicket,
  WorkspaceIndex,
} from '@desk/model';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import type { DocStore } from '../store/DocStore.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { asyncStore } from '../store/sql/asyncStore.ts';
import { engineDocs } from '../sync/SyncEngine.ts';
import {
  SearchProjector,
  type PassTimer,
  type PassTimers,
  type SearchReader,
  type StoredChanges,
} from './SearchProjector.ts';
import { SqliteTicketSearchIndex } from './SqliteTicketSearchIndex.ts';
import type { TicketSearchIndex } from './TicketSearchIndex.ts';

const actor = { id: 'u1', name: 'Ana' };
const log = createLogger('silent');

let dir: string;
let db: SqliteDatabase;
let store: SqliteDocStore;
let offThread: HeavyYjs;
let index: SqliteTicketSearchIndex;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-projector-'));
  db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  store = new SqliteDocStore(db);
  offThread = new HeavyYjs(log, heavyWorkerCode);
  index = new SqliteTicketSearchIndex(db);
});
afterEach(async () => {
  await offThread.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A workspace written through @desk/model, every update appended to the real store. */
class Desk {
  readonly docs = new Map<string, Y.Doc>();
  readonly index: WorkspaceIndex;
  constructor(readonly workspaceId: string) {
    this.index = new WorkspaceIndex(this.doc(docIds.index(workspaceId)));
  }
  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId);
    if (!doc) {
      doc = new Y.Doc();
      doc.on('update', (update: Uint8Array) => {
        store.append([{ docId, workspaceId: this.workspaceId, update }]);
      });
      this.docs.set(docId, doc);
    }
    return doc;
  }
  ticket(id: string): TicketDoc {
    return new TicketDoc(this.doc(docIds.ticket(this.workspaceId, id)));
  }
  create(id: string, title: string, number: number, description: string): void {
    const ticket = this.ticket(id);
    createTicket(
      this.index,
      ticket,
      {
        id,
        title,
        number,
        requester: { name: 'Bo Requester', email: 'bo@example.com' },
        tags: ['billing'],
      },
      actor,
      1,
    );
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText(description)]);
    ticket.description.insert(0, [p]);
  }
}

let clock = 0;

function projector(
  target: DocStore = store,
  recordsEveryMs = 0,
  largeDocBytes = 1e9,
  ticketEveryMs = 0,
): SearchProjector {
  return new SearchProjector({
    docs: engineDocs(target),
    index: asyncStore(index),
    offThread,
    log,
    docsPerPass: 3,
    rowsPerTransaction: 2,
    recordsEveryMs,
    largeDocBytes,
    ticketEveryMs,
    now: () => clock,
  });
}

const ids = (ws: string, q: string) =>
  index
    .search(ws, q, 50)
    .map((h) => h.ticketId)
    .sort();

describe('SearchProjector', () => {
  it('projects tickets written before search existed (the backfill), in passes, resumably', async () => {
    const desk = new Desk('ws1');
    for (let i = 1; i <= 7; i++)
      desk.create(`t${i}`, `Ticket ${i}`, i, `Description number ${i} mentions printers`);
    const first = projector();
    expect(await first.pass()).toBe(true); // 3 of 8 docs per pass: more to do
    // A restart in between resumes at the cursor: the docs already projected are not read again.
    const loads: string[] = [];
    const counting = new Proxy(store, {
      get(target, key) {
        if (key === 'loadInSlices') {
          return (docId: string) => (loads.push(docId), target.loadInSlices(docId));
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as DocStore;
    await projector(counting).catchUp();
    // (An index doc's read also reads the small head: is it an older generation? IDX-GEN-6.)
    expect(loads.filter((docId) => !docId.endsWith(':index:head'))).toHaveLength(8 - 3);
    expect(ids('ws1', 'printers')).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7']);
    expect(ids('ws1', 'bo@example.com billing 7')).toEqual(['t7']);
    expect(ids('ws1', '#3')).toEqual(['t3']);
  });

  it('reads only a pass’s worth of the change list per pass, not every doc changed since the cursor', async () => {
    const desk = new Desk('ws1');
    for (let i = 1; i <= 7; i++) desk.create(`t${i}`, `Ticket ${i}`, i, `Body ${i}`);
    const rowsRead: number[] = [];
    const counting = new Proxy(store, {
      get(target, key) {
        if (key === 'changedSince') {
          return (ws: string, since: number, limit?: number) => {
            const rows = target.changedSince(ws, since, limit);
            rowsRead.push(rows.length);
            return rows;
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as DocStore;
    await projector(counting).catchUp();
    // 8 docs, 3 a pass: each pass asks for 3 + 1 (is there more?), the last for what is left.
    expect(rowsRead).toEqual([4, 4, 2]);
    expect(ids('ws1', 'body')).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7']);
  });

  it('keeps the projection current as tickets change: fields, description, comments, deletion', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Laptop will not boot', 1, 'Black screen after the logo');
    const p = projector();
    await p.catchUp();
    expect(ids('ws1', 'laptop')).toEqual(['t1']);

    updateTicket(
      desk.index,
      desk.ticket('t1'),
      't1',
      { title: 'Desktop will not boot', tags: ['hardware'] },
      actor,
      2,
    );
    postComment(
      desk.index,
      desk.ticket('t1'),
      't1',
      { id: 'c1', kind: 'note', body: 'Replaced the PSU, works now' },
      actor,
      3,
    );
    await p.catchUp();
    expect(ids('ws1', 'laptop')).toEqual([]);
    expect(ids('ws1', 'desktop hardware psu')).toEqual(['t1']);

    setTicketDeleted(desk.index, desk.ticket('t1'), 't1', true, actor, 4);
    await p.catchUp();
    expect(ids('ws1', 'desktop')).toEqual([]);
  });

  it('reads a loaded ticket doc from memory instead of decoding the stored one (issue 13); the rest from the store', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Printer jam', 1, 'Paper stuck in tray two');
    desk.create('t2', 'Scanner offline', 2, 'No network light');
    const loads: string[] = [];
    const counting = new Proxy(store, {
      get(target, key) {
        if (key === 'loadInSlices') {
          return (docId: string) => (loads.push(docId), target.loadInSlices(docId));
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as DocStore;
    // t1 is loaded (the engine's room: the same content as stored); t2 is not.
    const t1 = docIds.ticket('ws1', 't1');
    const p = new SearchProjector({
      docs: engineDocs(counting),
      index: asyncStore(index),
      offThread,
      log,
      recordsEveryMs: 0,
      ticketEveryMs: 0,
      now: () => clock,
      loadedDoc: (docId) => (docId === t1 ? { doc: desk.docs.get(t1)!, storedBytes: 10 } : null),
    });
    await p.catchUp();
    expect(loads).not.toContain(t1);
    expect(loads).toContain(docIds.ticket('ws1', 't2'));
    expect(ids('ws1', 'tray')).toEqual(['t1']);
    expect(ids('ws1', 'network')).toEqual(['t2']);

    postComment(
      desk.index,
      desk.ticket('t1'),
      't1',
      { id: 'c1', kind: 'note', body: 'Cleared the rollers' },
      actor,
      2,
    );
    await p.catchUp();
    expect(loads).not.toContain(t1);
    expect(ids('ws1', 'rollers')).toEqual(['t1']);
  });

  it('reads tickets of archive shards like those of the index', async () => {
    const desk = new Desk('ws1');
    const shard = new WorkspaceIndex(desk.doc(docIds.archive('ws1', '2026-05')));
    createTicket(
      shard,
      desk.ticket('old'),
      { id: 'old', title: 'Archived invoice question', number: 9 },
      actor,
      1,
    );
    await projector().catchUp();
    expect(ids('ws1', 'invoice')).toEqual(['old']);
  });

  it('fills the list rows of workspaces projected before ticket_rows existed, one per pass, cursors unmoved', async () => {
    const one = new Desk('ws1');
    one.create('t1', 'Alpha', 1, 'one');
    one.create('t2', 'Beta', 2, 'two');
    new Desk('ws2').create('t3', 'Gamma', 3, 'three');
    await projector().catchUp();
    const page = (ws: string) =>
      index
        .firstPage(ws, 10, 0)
        .map((r) => r.id)
        .sort();
    expect(page('ws1')).toEqual(['t1', 't2']);
    // As a server projected them before migration 22: searchable, no list rows — their
    // first page stayed empty until the next change of their index.
    db.prepare('DELETE FROM ticket_rows').run();
    const cursors = () => db.prepare('SELECT workspace_id, seq FROM search_cursors').all();
    const cursorsBefore = cursors();
    expect(index.withoutListRows()).toEqual(['ws1', 'ws2']);

    const loads: string[] = [];
    const counting = new Proxy(store, {
      get(target, key) {
        if (key === 'loadInSlices') {
          return (docId: string) => (loads.push(docId), target.loadInSlices(docId));
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as DocStore;
    const restarted = projector(counting);
    expect(await restarted.pass()).toBe(true); // one workspace's index per pass
    // (The head first: which generation is in use.)
    expect(loads).toEqual(['ws1:index:head', 'ws1:index']);
    expect(page('ws1')).toEqual(['t1', 't2']);
    expect(page('ws2')).toEqual([]);
    expect(await restarted.pass()).toBe(false);
    expect(loads).toEqual(['ws1:index:head', 'ws1:index', 'ws2:index:head', 'ws2:index']);
    expect(page('ws2')).toEqual(['t3']);
    expect(cursors()).toEqual(cursorsBefore);
    expect(index.withoutListRows()).toEqual([]);

    // The next start has nothing to fill and reads nothing.
    loads.length = 0;
    await projector(counting).catchUp();
    expect(loads).toEqual([]);
  });

  it('fills list rows from the index generation in use: after a rewrite, generation 1 is dropped', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Alpha', 1, 'one');
    // The rewrite: generation 2 holds the live rows, the head names it, generation 1 goes.
    store.append([
      {
        docId: 'ws1:index:g2',
        workspaceId: 'ws1',
        update: Y.encodeStateAsUpdate(desk.doc(docIds.index('ws1'))),
      },
    ]);
    const head = new Y.Doc();
    store.append([
      { docId: 'ws1:index:head', workspaceId: 'ws1', update: setHeadGeneration(head, 2) },
    ]);
    store.deleteDocs(['ws1:index']);
    await projector().catchUp();
    db.prepare('DELETE FROM ticket_rows').run(); // as before migration 22
    expect(index.withoutListRows()).toEqual(['ws1']);

    await projector().catchUp();
    expect(index.firstPage('ws1', 10, 0).map((r) => r.id)).toEqual(['t1']);
    expect(index.withoutListRows()).toEqual([]);
  });

  it('forgets a deleted workspace and projects a restored one again', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Alpha', 1, 'one');
    const p = projector();
    await p.catchUp();
    store.deleteWorkspace('ws1');
    await p.catchUp();
    expect(ids('ws1', 'alpha')).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM search_tickets').pluck().get()).toBe(0);

    const again = new Desk('ws1');
    again.create('t2', 'Alpha again', 1, 'two');
    await p.catchUp();
    expect(ids('ws1', 'alpha')).toEqual(['t2']);
  });

  it('reads a busy index doc at most once per interval, and the changes after it wait with it', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'First title', 1, 'one');
    const p = projector(store, 15_000);
    await p.catchUp();
    expect(ids('ws1', 'first')).toEqual(['t1']);

    updateTicket(desk.index, desk.ticket('t1'), 't1', { title: 'Second title' }, actor, 2);
    clock += 5_000;
    await p.catchUp();
    expect(ids('ws1', 'second')).toEqual([]); // read 5 s ago: not yet
    clock += 10_000;
    await p.catchUp();
    expect(ids('ws1', 'second')).toEqual(['t1']);
  });

  describe('woken by stored turns, not a poll', () => {
    /** What the sync engine does after each turn that stored updates. */
    class Turns implements StoredChanges {
      readonly listeners = new Set<() => void>();
      onStored(listener: () => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      }
      stored(): void {
        for (const listener of this.listeners) listener();
      }
    }
    /** The index, with its passes counted (each pass asks which workspaces are behind). */
    const countingPasses = () => {
      const counted = { passes: 0 };
      const wrapped = new Proxy(index, {
        get(target, key) {
          if (key === 'behind') {
            return (max: number) => (counted.passes++, target.behind(max));
          }
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as TicketSearchIndex;
      return { counted, wrapped };
    };
    const woken = (turns: Turns, target: TicketSearchIndex, recordsEveryMs = 0, retryMs = 0) =>
      new SearchProjector({
        docs: engineDocs(store),
        index: asyncStore(target),
        offThread,
        log,
        changes: turns,
        intervalMs: 0,
        debounceMs: 0,
        retryMs,
        recordsEveryMs,
        // Gaps from recordsEveryMs only: a read's real duration must not decide these tests.
        readDutyCycle: 1,
        passDutyCycle: 1,
        now: Date.now,
      });

    it('projects a change after the turn that stored it, many turns in a burst in one pass', async () => {
      const turns = new Turns();
      const { counted, wrapped } = countingPasses();
      const p = woken(turns, wrapped);
      try {
        p.start();
        await until(() => counted.passes === 1, 'the first pass at start');
        await p.pass(); // to the end of the first pass (or one more, if it had ended)
        const before = counted.passes;
        const desk = new Desk('ws1');
        desk.create('t1', 'Printer on fire', 1, 'smoke');
        for (let i = 0; i < 20; i++) turns.stored();
        await until(() => ids('ws1', 'smoke').length === 1, 'the ticket searchable');
        expect(counted.passes).toBe(before + 1);
      } finally {
        await p.stop();
      }
      expect(turns.listeners.size).toBe(0);
    });

    it('is woken by a writer that bypasses the engine (the workspace importer) calling wake()', async () => {
      const turns = new Turns();
      const { counted, wrapped } = countingPasses();
      const p = woken(turns, wrapped);
      try {
        p.start();
        await until(() => counted.passes === 1, 'the first pass at start');
        await p.pass();
        new Desk('ws1').create('t1', 'Imported', 1, 'imported text');
        p.wake();
        await until(() => ids('ws1', 'imported').length === 1, 'the imported ticket searchable');
      } finally {
        await p.stop();
      }
    });

    it('arms no timer once nothing is behind: the next pass is the one a stored turn asks for', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const turns = new Turns();
      const { counted, wrapped } = countingPasses();
      const p = woken(turns, wrapped);
      try {
        p.start();
        await vi.advanceTimersByTimeAsync(0);
        await until(() => counted.passes === 1, 'the first pass at start');
        await p.pass();
        await vi.advanceTimersByTimeAsync(0);
        const passes = counted.passes;
        expect(vi.getTimerCount()).toBe(0); // no poll
        await vi.advanceTimersByTimeAsync(3_600_000);
        expect(counted.passes).toBe(passes);
        turns.stored();
        expect(vi.getTimerCount()).toBe(1);
        await vi.advanceTimersByTimeAsync(0);
        await until(() => counted.passes === passes + 1, 'the pass the turn asked for');
      } finally {
        vi.useRealTimers();
        await p.stop();
      }
    });

    it('tries a failed pass again after retryMs, with no write', async () => {
      let failures = 1;
      const failing = new Proxy(index, {
        get(target, key) {
          if (key === 'behind') {
            return (max: number) => {
              if (failures-- > 0) throw new Error('disk I/O error');
              return target.behind(max);
            };
          }
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as TicketSearchIndex;
      new Desk('ws1').create('t1', 'Written before', 1, 'retried');
      const p = woken(new Turns(), failing, 0, 10);
      try {
        p.start(); // the first pass fails; the retry projects the ticket
        await until(() => ids('ws1', 'retried').length === 1, 'projected by the retry');
        expect(failures).toBe(-1);
      } finally {
        await p.stop();
      }
    });

    it('reads a busy index doc left for later once it is due, with no further write', async () => {
      const turns = new Turns();
      const p = woken(turns, index, 300);
      try {
        const desk = new Desk('ws1');
        desk.create('t1', 'First title', 1, 'one');
        p.start();
        await until(() => ids('ws1', 'first').length === 1, 'the first title');
        updateTicket(desk.index, desk.ticket('t1'), 't1', { title: 'Second title' }, actor, 2);
        turns.stored();
        await until(() => ids('ws1', 'second').length === 1, 'the second title, once due');
      } finally {
        await p.stop();
      }
    });
  });

  describe("an index doc's reads take a bounded share of the time, however long one takes (issue 13)", () => {
    /** The real reader, with the index's reads taking `costMs` on the test clock. */
    const readingFor = (costMs: number): SearchReader => ({
      run: (async (kind: 'ticketBody' | 'ticketFields', args: [Uint8Array[]], bytes: number) => {
        if (kind === 'ticketFields') clock += costMs;
        return offThread.run(kind as 'ticketFields', args, bytes);
      }) as SearchReader['run'],
    });
    const projecting = (costMs: number, maxReadGapMs?: number) =>
      new SearchProjector({
        docs: engineDocs(store),
        index: asyncStore(index),
        offThread: readingFor(costMs),
        log,
        recordsEveryMs: 10_000,
        readDutyCycle: 0.05,
        ...(maxReadGapMs === undefined ? {} : { maxReadGapMs }),
        now: () => clock,
      });
    /** Renames t1 at `at` ms after the first read ended; true when the name is searchable then. */
    const renamed = async (desk: Desk, p: SearchProjector, at: number[]) => {
      updateTicket(desk.index, desk.ticket('t1'), 't1', { title: 'Second title' }, actor, 2);
      const readEnded = clock;
      const seen: boolean[] = [];
      for (const after of at) {
        clock = readEnded + after;
        await p.catchUp();
        seen.push(ids('ws1', 'second').length === 1);
      }
      return seen;
    };

    it('a read that took 2 s waits 2 s / 0.05 = 40 s after it ends, not only recordsEveryMs', async () => {
      const desk = new Desk('ws1');
      desk.create('t1', 'First title', 1, 'one');
      const p = projecting(2_000);
      await p.catchUp();
      expect(ids('ws1', 'first')).toEqual(['t1']);
      expect(await renamed(desk, p, [15_000, 39_000, 40_000])).toEqual([false, false, true]);
    });

    it('a cheap read waits recordsEveryMs as before', async () => {
      const desk = new Desk('ws1');
      desk.create('t1', 'First title', 1, 'one');
      const p = projecting(100);
      await p.catchUp();
      expect(await renamed(desk, p, [9_000, 10_000])).toEqual([false, true]);
    });

    it('waits no longer than maxReadGapMs (a read slowed by a busy machine)', async () => {
      const desk = new Desk('ws1');
      desk.create('t1', 'First title', 1, 'one');
      const p = projecting(60_000, 30_000);
      await p.catchUp();
      expect(await renamed(desk, p, [29_000, 30_000])).toEqual([false, true]);
    });
  });

  it.each([
    // A ticket typed into continuously (issue 13): each read decodes the doc.
    { doc: 'a small ticket doc', gapMs: 2_000, make: () => projector(store, 0, 1e9, 2_000) },
    // Every ticket doc counts as large: read like an index doc, every recordsEveryMs.
    { doc: 'a large ticket doc', gapMs: 10_000, make: () => projector(store, 10_000, 1) },
  ])('reads $doc at most once per $gapMs ms', async ({ gapMs, make }) => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Typed', 1, 'alpha');
    const p = make();
    await p.catchUp();
    expect(ids('ws1', 'alpha')).toEqual(['t1']);
    postComment(
      desk.index,
      desk.ticket('t1'),
      't1',
      { id: 'c8', kind: 'reply', body: 'omega' },
      actor,
      5,
    );
    clock += gapMs - 1;
    await p.catchUp();
    expect(ids('ws1', 'omega')).toEqual([]);
    clock += 1;
    await p.catchUp();
    expect(ids('ws1', 'omega')).toEqual(['t1']);
  });

  describe('while writes keep coming, the passes take a bounded share of the time (issue 13)', () => {
    /** The pass timer, run by hand on the test clock: when it is due, and firing it. */
    class HandTimers implements PassTimers {
      pending: { run: () => void; at: number; timer: PassTimer } | null = null;
      set(run: () => void, ms: number): PassTimer {
        const timer = {};
        this.pending = { run, at: clock + ms, timer };
        return timer;
      }
      clear(timer: PassTimer): void {
        if (this.pending?.timer === timer) this.pending = null;
      }
      /** Ms from now to the armed pass; null when none is armed. */
      get dueIn(): number | null {
        return this.pending === null ? null : this.pending.at - clock;
      }
      /** Moves the clock to the armed pass and runs it to its end (the next one armed). */
      async fire(p: SearchProjector): Promise<void> {
        const pending = this.pending;
        if (pending === null) throw new Error('no pass armed');
        this.pending = null;
        clock = Math.max(clock, pending.at);
        pending.run();
        await p.pass(); // the pass the timer started; its successor is armed before this returns
      }
    }
    /** Stored turns: what the sync engine reports after each turn that stored updates. */
    const turns = new (class implements StoredChanges {
      listener: (() => void) | null = null;
      onStored(listener: () => void): () => void {
        this.listener = listener;
        return () => (this.listener = null);
      }
      stored(): void {
        this.listener?.();
      }
    })();
    /**
     * The real reader, each ticket doc's read taking `readMs` on the test clock; with
     * `writing`, a client's write is stored during every read (a steady load).
     */
    const reading = (readMs: number, writing: { on: boolean }): SearchReader => ({
      run: (async (kind: 'ticketBody' | 'ticketFields', args: [Uint8Array[]], bytes: number) => {
        clock += readMs;
        if (writing.on) turns.stored();
        return offThread.run(kind as 'ticketFields', args, bytes);
      }) as SearchReader['run'],
    });
    const projecting = (
      readMs: number,
      writing: { on: boolean },
      timers: HandTimers,
      ticketEveryMs = 0,
    ) =>
      new SearchProjector({
        docs: engineDocs(store),
        index: asyncStore(index),
        offThread: reading(readMs, writing),
        log,
        changes: turns,
        docsPerPass: 3,
        intervalMs: 1_000,
        debounceMs: 100,
        recordsEveryMs: 0,
        ticketEveryMs,
        passDutyCycle: 0.1,
        maxPassGapMs: 30_000,
        now: () => clock,
        timers,
      });
    /** A desk of `tickets` ticket docs (the index doc is skipped: recordsEveryMs reads it at once). */
    const deskOf = (tickets: number) => {
      const desk = new Desk('ws1');
      for (let i = 1; i <= tickets; i++) desk.create(`t${i}`, `Ticket ${i}`, i, `words${i}`);
      return desk;
    };

    it('a pass that took 200 ms while writes came is followed by the next 200 ms / 0.1 = 2 s after it began', async () => {
      deskOf(1);
      const timers = new HandTimers();
      const writing = { on: true };
      const p = projecting(200, writing, timers);
      try {
        p.start();
        const began = clock;
        await timers.fire(p); // reads the index doc and t1: 400 ms
        expect(clock - began).toBe(400);
        expect(timers.dueIn).toBe(4_000 - 400); // 400 ms / 0.1 from its start, not intervalMs
        turns.stored(); // a later write does not bring it forward
        expect(timers.dueIn).toBe(3_600);
      } finally {
        await p.stop();
      }
    });

    it('a cheap pass is followed by the next intervalMs after it began, as before', async () => {
      deskOf(1);
      const timers = new HandTimers();
      const p = projecting(10, { on: true }, timers);
      try {
        p.start();
        await timers.fire(p); // 20 ms: 20 / 0.1 = 200 ms < intervalMs
        expect(timers.dueIn).toBe(1_000 - 20);
      } finally {
        await p.stop();
      }
    });

    it('behind with writes coming: the next pass waits its share too; a backfill alone runs back to back', async () => {
      deskOf(7); // 8 changed docs (the index too): passes of 3
      const timers = new HandTimers();
      const writing = { on: false };
      const p = projecting(100, writing, timers);
      try {
        p.start();
        await timers.fire(p); // a backfill, nothing written meanwhile: 300 ms
        expect(timers.dueIn).toBe(0);
        writing.on = true;
        const began = clock;
        await timers.fire(p); // writes came while it read
        expect(timers.dueIn).toBe(began + 3_000 - clock); // 300 ms / 0.1 from its start
        expect(ids('ws1', 'words6')).toEqual(['t6']); // what it read is searchable
        expect(ids('ws1', 'words7')).toEqual([]); // the rest waits for that pass
      } finally {
        await p.stop();
      }
    });

    it('a pass stopped by a ticket doc read too recently is followed by the next when that doc is due, not at once (issue 13)', async () => {
      const desk = deskOf(7);
      const timers = new HandTimers();
      const p = projecting(10, { on: false }, timers, 2_000);
      try {
        p.start();
        while (timers.dueIn !== null) await timers.fire(p); // the backfill: every doc read once
        const backfillEnd = clock;
        // Every ticket written again: more changed docs than a pass takes, t1 first in line.
        for (let i = 1; i <= 7; i++) {
          postComment(
            desk.index,
            desk.ticket(`t${i}`),
            `t${i}`,
            { id: `c${i}`, kind: 'reply', body: `again${i}` },
            actor,
            9,
          );
        }
        turns.stored();
        await timers.fire(p); // finds t1 not due: reads nothing
        expect(ids('ws1', 'again1')).toEqual([]);
        // It read nothing, in no time: spaced by its own cost the next would be due at once.
        expect(timers.dueIn).toBeGreaterThan(0);
        expect(clock + timers.dueIn!).toBeLessThanOrEqual(backfillEnd + 2_000); // t1 is due
        await timers.fire(p);
        expect(ids('ws1', 'again1')).toEqual(['t1']);
      } finally {
        await p.stop();
      }
    });

    it('waits no longer than maxPassGapMs (a pass slowed by a busy machine)', async () => {
      deskOf(1);
      const timers = new HandTimers();
      const p = projecting(5_000, { on: true }, timers);
      try {
        p.start();
        const began = clock;
        await timers.fire(p); // 10 s: 10 s / 0.1 = 100 s, capped
        expect(timers.dueIn).toBe(began + 30_000 - clock);
      } finally {
        await p.stop();
      }
    });

    it('with no write after a pass, none is armed; the next write asks for one spaced as above', async () => {
      deskOf(1);
      const timers = new HandTimers();
      const writing = { on: false };
      const p = projecting(200, writing, timers);
      try {
        p.start();
        const began = clock;
        await timers.fire(p);
        expect(timers.dueIn).toBeNull();
        turns.stored();
        expect(timers.dueIn).toBe(began + 4_000 - clock);
      } finally {
        await p.stop();
      }
    });
  });
});

describe('SearchProjector and older index generations (issue 15 gap 2)', () => {
  it('IDX-GEN-6 projects no row of a dropped generation written back, from its first read, and tells the rewriter', async () => {
    const desk = new Desk('ws1');
    desk.create('t1', 'Printer jammed', 1, 'Paper everywhere');
    const read: string[] = [];
    const p = new SearchProjector({
      docs: engineDocs(store),
      index: asyncStore(index),
      offThread,
      log,
      recordsEveryMs: 0,
      ticketEveryMs: 0,
      now: () => clock,
      indexRead: (docId) => read.push(docId),
    });
    await p.catchUp();
    expect(ids('ws1', 'printer')).toEqual(['t1']);
    // The workspace is on generation 3 now; generations below 3 were dropped (the head says so).
    const said = new Y.Doc();
    store.append([
      { docId: 'ws1:index:head', workspaceId: 'ws1', update: setHeadGeneration(said, 3) },
    ]);
    store.append([
      { docId: 'ws1:index:head', workspaceId: 'ws1', update: setHeadKeptFrom(said, 3) },
    ]);
    // A replica older than the limit writes generation 2 back: its row says something else,
    // and it carries no `meta.next` (its copy predates the rewrite that replaced it).
    const stale = new Y.Doc();
    new WorkspaceIndex(stale).tickets.create(
      { id: 't1', title: 'Stale title from months ago', number: 1 },
      actor,
      1,
    );
    store.append([
      { docId: 'ws1:index:g2', workspaceId: 'ws1', update: Y.encodeStateAsUpdate(stale) },
    ]);
    await p.catchUp();
    expect(ids('ws1', 'stale')).toEqual([]);
    expect(ids('ws1', 'printer')).toEqual(['t1']);
    expect(read).toContain('ws1:index:g2');
  });
});

describe('SearchProjector on a cluster (the `search` lease)', () => {
  /** A cluster's process: its projector on the shared store and index, its reads counted. */
  const processOf = (lease: InProcessJobLease) => {
    const reads: string[] = [];
    /** The text of every ticket body this process read. */
    const bodies: string[] = [];
    const projector = new SearchProjector({
      docs: engineDocs(store),
      index: asyncStore(index),
      offThread: {
        run: (async (kind: 'ticketFields', args: [Uint8Array[]], bytes: number) => {
          reads.push(kind);
          const result: unknown = await offThread.run(kind, args, bytes);
          if ((kind as string) === 'ticketBody') bodies.push(String(result));
          return result;
        }) as SearchReader['run'],
      },
      log,
      // No stored turns: every write here is another process's, found by looking.
      changes: null,
      debounceMs: 0,
      intervalMs: 0,
      recordsEveryMs: 0,
      ticketEveryMs: 0,
      lease: { jobLease: lease, pollMs: 20, contendMs: 20 },
    });
    return { projector, reads, bodies };
  };

  it('only the lease holder projects, finds the writes of other processes by looking, and is taken over once stopped', async () => {
    // One lease for both, as Redis is one for a cluster's processes.
    const lease = new InProcessJobLease();
    const a = processOf(lease);
    const b = processOf(lease);
    const desk = new Desk('ws1');
    try {
      a.projector.start();
      b.projector.start();
      desk.create('t1', 'Monitor flickers', 1, 'Since the update');
      await until(() => ids('ws1', 'monitor').length === 1, 'the holder projected t1');
      expect([a.projector.holding, b.projector.holding]).toEqual([true, false]);

      // Nothing wakes the holder: it finds the write by its next look.
      desk.create('t2', 'Keyboard sticks', 2, 'Coffee spilled');
      await until(() => ids('ws1', 'keyboard').length === 1, 'the holder projected t2');
      expect(b.reads).toEqual([]);

      // The holder stops (its process closes): the lease is given up, the other takes it.
      await a.projector.stop();
      const readByA = a.reads.length;
      desk.create('t3', 'Mouse drifts', 3, 'Left on its own');
      await until(() => ids('ws1', 'mouse').length === 1, 'the other process projected t3');
      expect(b.projector.holding).toBe(true);
      expect(b.reads.length).toBeGreaterThan(0);
      expect(a.reads.length).toBe(readByA);
      // The cursor is shared: the taker-over read only what came after it, never t1 or t2 again.
      // (It may read t3 twice: once between the ticket's creation and its description, which
      // are two writes here as in a browser.)
      expect(b.bodies.length).toBeGreaterThan(0);
      expect(b.bodies.filter((text) => /Since the update|Coffee spilled/.test(text))).toEqual([]);
      expect(ids('ws1', 'update')).toEqual(['t1']);
      expect(ids('ws1', 'coffee')).toEqual(['t2']);
    } finally {
      await a.projector.stop();
      await b.projector.stop();
    }
  });
});
