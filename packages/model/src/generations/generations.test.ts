import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import {
  generationOf,
  indexDocId,
  indexGenerationOf,
  indexHeadDocId,
  nextGenerationOf,
  setHeadGeneration,
} from './indexGenerations.ts';
import { replayLateEdits } from './replayLateEdits.ts';
import { rewriteIndex } from './rewriteIndex.ts';

const ana = { id: 'ana', name: 'Ana' };
const T0 = Date.UTC(2026, 10, 3);

/** An index of `n` tickets, most of them then removed (archived): tombstones over live rows. */
function indexWithTombstones(n: number, kept: number): Y.Doc {
  const doc = new Y.Doc();
  const index = new WorkspaceIndex(doc);
  for (let i = 0; i < n; i += 1) {
    index.tickets.create({ id: `t${i}`, title: `Ticket ${i}`, number: i + 1 }, ana, T0 + i);
    index.tickets.update(`t${i}`, { status: 'open', priority: 'high' }, T0 + i + 1);
  }
  for (let i = kept; i < n; i += 1) index.tickets.remove(`t${i}`);
  index.notices.create('n1', 'Office closed', ana, T0);
  index.archives.add('2026-11');
  index.ensureSchema();
  return doc;
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Generation g, rewritten: g (now pointing at g+1) and g+1, as the server leaves them. */
function rewritten(g: Y.Doc): { g: Y.Doc; next: Y.Doc } {
  const { nextState } = rewriteIndex(g);
  const next = new Y.Doc();
  Y.applyUpdate(next, nextState);
  return { g, next };
}

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('index generations', () => {
  it('names generation 1 `<ws>:index` and generation n `<ws>:index:g<n>`, and reads the names back', () => {
    expect(indexDocId('w1', 1)).toBe('w1:index');
    expect(indexDocId('w1', 3)).toBe('w1:index:g3');
    expect(indexGenerationOf('w1:index')).toEqual({ workspaceId: 'w1', generation: 1 });
    expect(indexGenerationOf('w1:index:g3')).toEqual({ workspaceId: 'w1', generation: 3 });
    expect(indexGenerationOf('w1:index:g1')).toBeNull();
    expect(indexGenerationOf('w1:ticket:t1')).toBeNull();
  });

  it('writes generation g+1 with the live content of g and none of its tombstones, and points g at it', () => {
    const g = indexWithTombstones(300, 30);
    const before = new WorkspaceIndex(copyOf(g));
    const bytesBefore = Y.encodeStateAsUpdate(g).length;
    const { g: old, next } = rewritten(g);

    const after = new WorkspaceIndex(next);
    expect(after.tickets.all()).toEqual(before.tickets.all());
    expect(after.notices.list()).toEqual(before.notices.list());
    expect(after.archives.list()).toEqual(['2026-11']);
    expect(after.ensureSchema()).toBe('current');
    expect(generationOf(next)).toBe(2);
    expect(nextGenerationOf(old)).toBe(2);
    expect(nextGenerationOf(next)).toBeNull();
    // As small as an index that never held the removed rows (give or take its meta).
    const neverRemoved = Y.encodeStateAsUpdate(indexWithTombstones(30, 30)).length;
    const bytesAfter = Y.encodeStateAsUpdate(next).length;
    expect(bytesAfter).toBeLessThan(bytesBefore);
    expect(bytesAfter).toBeLessThan(neverRemoved + 64);
  });

  it('carries a late offline edit made to g into g+1 field by field, keeping g+1’s own edits of other fields', () => {
    const server = indexWithTombstones(20, 10);
    const offline = copyOf(server); // a device that went offline before the rewrite
    const { g, next } = rewritten(server);
    // After the switch, an online device edits the same ticket in g+1…
    new WorkspaceIndex(next).tickets.update('t1', { priority: 'urgent' }, T0 + 1000);
    // …while the offline device, still on g, changes its status and creates a ticket.
    const late = new WorkspaceIndex(offline);
    late.tickets.update('t1', { status: 'pending' }, T0 + 900);
    late.tickets.create({ id: 'fresh', title: 'Made offline', number: 99 }, ana, T0 + 950);
    sync(offline, g);

    const replay = replayLateEdits(g, next);
    expect(replay).not.toBeNull();
    const t1 = new WorkspaceIndex(next).tickets.get('t1')!;
    expect(t1.status).toBe('pending');
    expect(t1.priority).toBe('urgent');
    expect(new WorkspaceIndex(next).tickets.get('fresh')?.title).toBe('Made offline');
  });

  it('removes in g+1 a row removed late in g (SPEC IDX-GEN-3)', () => {
    const server = indexWithTombstones(10, 10);
    const offline = copyOf(server);
    const { g, next } = rewritten(server);
    new WorkspaceIndex(offline).tickets.remove('t4');
    sync(offline, g);
    replayLateEdits(g, next);
    expect(new WorkspaceIndex(next).tickets.get('t4')).toBeNull();
    expect(new WorkspaceIndex(next).tickets.size).toBe(9);
  });

  it('replays each late change once: a second run finds nothing, and does not undo a later edit in g+1', () => {
    const server = indexWithTombstones(10, 10);
    const offline = copyOf(server);
    const { g, next } = rewritten(server);
    new WorkspaceIndex(offline).tickets.update('t2', { status: 'solved' }, T0 + 500);
    sync(offline, g);
    const first = replayLateEdits(g, next)!;
    expect(first.entries).toBeGreaterThan(0);
    new WorkspaceIndex(next).tickets.update('t2', { status: 'open' }, T0 + 600);
    expect(replayLateEdits(g, next)).toBeNull();
    expect(new WorkspaceIndex(next).tickets.get('t2')?.status).toBe('open');
  });

  it('converges when the server’s replay and the devices’ copies of g+1 meet in any order', () => {
    const server = indexWithTombstones(12, 12);
    const offline = copyOf(server);
    const { g, next } = rewritten(server);
    const switched = copyOf(next); // a device on g+1
    new WorkspaceIndex(switched).tickets.update('t3', { title: 'Renamed in g+1' }, T0 + 700);
    new WorkspaceIndex(offline).tickets.update('t3', { assigneeId: 'bo' }, T0 + 650);
    new WorkspaceIndex(offline).tickets.remove('t5');
    sync(offline, g);
    const replay = replayLateEdits(g, next)!;
    Y.applyUpdate(switched, replay.intoUpdate);
    sync(switched, next);
    expect(new WorkspaceIndex(switched).tickets.all()).toEqual(
      new WorkspaceIndex(next).tickets.all(),
    );
    const t3 = new WorkspaceIndex(next).tickets.get('t3')!;
    expect([t3.title, t3.assigneeId]).toEqual(['Renamed in g+1', 'bo']);
    expect(new WorkspaceIndex(next).tickets.get('t5')).toBeNull();
    // The cursor's move is a change to g like any other: a copy of g that applies it agrees.
    Y.applyUpdate(offline, replay.fromUpdate);
    expect(replayLateEdits(offline, copyOf(next))).toBeNull();
  });

  it('rewrites generation g+1 into g+2 the same way', () => {
    const { next } = rewritten(indexWithTombstones(10, 4));
    new WorkspaceIndex(next).tickets.remove('t0');
    const third = rewritten(next).next;
    expect(generationOf(third)).toBe(3);
    expect(nextGenerationOf(next)).toBe(3);
    expect(new WorkspaceIndex(third).tickets.all().map((t) => t.id)).toEqual(['t1', 't2', 't3']);
  });
});

describe('the index head', () => {
  it('says generation 1 until written, and only ever moves forward', () => {
    const head = new Y.Doc();
    expect(generationOf(head)).toBe(1);
    Y.applyUpdate(head, setHeadGeneration(copyOf(head), 3));
    expect(generationOf(head)).toBe(3);
    const stale = setHeadGeneration(copyOf(head), 2);
    Y.applyUpdate(head, stale);
    expect(generationOf(head)).toBe(3);
    expect(indexHeadDocId('w1')).toBe('w1:index:head');
    expect(indexGenerationOf('w1:index:head')).toBeNull();
  });
});
