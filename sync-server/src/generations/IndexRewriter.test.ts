import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  generationOf,
  indexDocId,
  indexHeadDocId,
  keptFromOf,
  nextGenerationOf,
  replacedAtOf,
  WorkspaceIndex,
} from '@desk/model';
import { createLogger } from '../log/logger.ts';
import { generationOps } from './generationOps.ts';
import { IndexRewriter, type GenerationWorker, type IndexDocs } from './IndexRewriter.ts';

const ana = { id: 'ana', name: 'Ana' };

/** Documents kept as Y.Docs, written through updates as the sync engine would. */
class MemoryDocs implements IndexDocs {
  readonly docs = new Map<string, Y.Doc>();
  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId);
    if (!doc) this.docs.set(docId, (doc = new Y.Doc()));
    return doc;
  }
  readDocState(docId: string): Promise<Uint8Array> {
    return Promise.resolve(Y.encodeStateAsUpdate(this.doc(docId)));
  }
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void> {
    Y.applyUpdate(this.doc(docId), update);
    return Promise.resolve();
  }
  deleteDocsDrained(docIds: readonly string[]): Promise<number> {
    let existed = 0;
    for (const docId of docIds) existed += Number(this.docs.delete(docId));
    return Promise.resolve(existed);
  }
}

/** Runs the operations inline, counting them. */
function inlineWorker(): GenerationWorker & { runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    run(kind, args) {
      runs.push(kind);
      const op = generationOps[kind] as (...a: unknown[]) => unknown;
      return Promise.resolve(op(...args) as never);
    },
  };
}

function rewriter(docs: MemoryDocs, worker = inlineWorker(), now = () => Date.now()) {
  return new IndexRewriter({
    docs,
    offThread: worker,
    log: createLogger('silent'),
    minBytes: 1,
    now,
    keepReplacedMs: LIMIT_MS,
    dropCheckEveryMs: 60_000,
  });
}

/** The offline-replica limit these tests run with. */
const LIMIT_MS = 90 * 24 * 3_600_000;

/** A clock the test moves. */
function clock(start = Date.UTC(2026, 0, 1)) {
  const c = { at: start, now: () => c.at };
  return c;
}

/** `n` tickets in generation 1 of w1, of which all but `kept` are then removed. */
function seed(docs: MemoryDocs, n: number, kept: number): WorkspaceIndex {
  const index = new WorkspaceIndex(docs.doc(indexDocId('w1', 1)));
  for (let i = 0; i < n; i += 1)
    index.tickets.create({ id: `t${i}`, title: `T${i}`, number: i }, ana, i);
  for (let i = kept; i < n; i += 1) index.tickets.remove(`t${i}`);
  return index;
}

describe('IndexRewriter (SPEC IDX-GEN-1)', () => {
  it('rewrites a generation whose tombstones are worth it, points it at the new one and moves the head', async () => {
    const docs = new MemoryDocs();
    seed(docs, 200, 10);
    const outcome = await rewriter(docs).consider(indexDocId('w1', 1));
    expect(outcome).toMatchObject({ kind: 'rewritten', to: indexDocId('w1', 2) });
    expect(nextGenerationOf(docs.doc(indexDocId('w1', 1)))).toBe(2);
    expect(generationOf(docs.doc(indexHeadDocId('w1')))).toBe(2);
    expect(new WorkspaceIndex(docs.doc(indexDocId('w1', 2))).tickets.size).toBe(10);
  });

  it('leaves an index with few tombstones alone, and does not try again until it grew', async () => {
    const docs = new MemoryDocs();
    const index = seed(docs, 50, 50);
    const worker = inlineWorker();
    const r = rewriter(docs, worker);
    expect(await r.consider(indexDocId('w1', 1))).toEqual({ kind: 'none' });
    expect(await r.consider(indexDocId('w1', 1))).toEqual({ kind: 'none' });
    expect(worker.runs.filter((k) => k === 'rewriteIndex')).toHaveLength(1);
    for (let i = 50; i < 60; i += 1)
      index.tickets.create({ id: `t${i}`, title: `T${i}`, number: i }, ana, i);
    await r.consider(indexDocId('w1', 1));
    expect(worker.runs.filter((k) => k === 'rewriteIndex')).toHaveLength(2);
    expect(docs.doc(indexDocId('w1', 2)).store.clients.size).toBe(0);
  });

  it('skips a generation a stopped run left behind instead of merging into it', async () => {
    const docs = new MemoryDocs();
    seed(docs, 200, 10);
    docs.doc(indexDocId('w1', 2)).getMap('tickets').set('stray', 1);
    const outcome = await rewriter(docs).consider(indexDocId('w1', 1));
    expect(outcome).toMatchObject({ kind: 'rewritten', to: indexDocId('w1', 3) });
    expect(nextGenerationOf(docs.doc(indexDocId('w1', 1)))).toBe(3);
  });

  it('replays an edit that reached a replaced generation into the newer one (IDX-GEN-3)', async () => {
    const docs = new MemoryDocs();
    const index = seed(docs, 200, 10);
    const r = rewriter(docs);
    await r.consider(indexDocId('w1', 1));
    index.tickets.update('t3', { status: 'solved' }, 500);
    expect(await r.consider(indexDocId('w1', 1))).toMatchObject({ kind: 'replayed' });
    expect(new WorkspaceIndex(docs.doc(indexDocId('w1', 2))).tickets.get('t3')?.status).toBe(
      'solved',
    );
    expect(await r.consider(indexDocId('w1', 1))).toEqual({ kind: 'none' });
  });
});

describe('IndexRewriter: replaced generations dropped (SPEC IDX-GEN-5)', () => {
  const g1 = indexDocId('w1', 1);
  const g2 = indexDocId('w1', 2);

  it('records when a generation was replaced, and drops it once the offline-replica limit passed', async () => {
    const docs = new MemoryDocs();
    seed(docs, 200, 10);
    const time = clock();
    const r = rewriter(docs, inlineWorker(), time.now);
    await r.consider(g1);
    expect(replacedAtOf(docs.doc(g1))).toBe(time.at);

    time.at += LIMIT_MS - 60_000;
    expect(await r.consider(g2)).toEqual({ kind: 'none' });
    expect(docs.docs.has(g1)).toBe(true);

    time.at += 60_000; // the limit, and the next look (at most one a minute here)
    expect(await r.consider(g2)).toEqual({ kind: 'dropped', docIds: [g1] });
    expect(docs.docs.has(g1)).toBe(false);
    expect(keptFromOf(docs.doc(indexHeadDocId('w1')))).toBe(2);
    expect(generationOf(docs.doc(indexHeadDocId('w1')))).toBe(2);
    expect(new WorkspaceIndex(docs.doc(g2)).tickets.size).toBe(10);
  });

  it('keeps a generation whose late edits are not in the newer one yet, and drops it after the replay', async () => {
    const docs = new MemoryDocs();
    const index = seed(docs, 200, 10);
    const time = clock();
    const r = rewriter(docs, inlineWorker(), time.now);
    await r.consider(g1);
    time.at += LIMIT_MS;
    index.tickets.update('t3', { status: 'solved' }, 500); // a late edit, not replayed yet
    expect(await r.consider(g2)).toEqual({ kind: 'none' });
    expect(docs.docs.has(g1)).toBe(true);

    expect(await r.consider(g1)).toMatchObject({ kind: 'replayed' });
    time.at += 60_000;
    expect(await r.consider(g2)).toEqual({ kind: 'dropped', docIds: [g1] });
    expect(new WorkspaceIndex(docs.doc(g2)).tickets.get('t3')?.status).toBe('solved');
  });

  it('drops again a dropped generation a replica older than the limit writes back', async () => {
    const docs = new MemoryDocs();
    seed(docs, 200, 10);
    const stale = Y.encodeStateAsUpdate(docs.doc(g1)); // a device's copy from before the switch
    const time = clock();
    const r = rewriter(docs, inlineWorker(), time.now);
    await r.consider(g1);
    time.at += LIMIT_MS;
    await r.consider(g2);
    expect(docs.docs.has(g1)).toBe(false);

    await docs.applyServerUpdate(g1, stale);
    expect(await r.consider(g1)).toEqual({ kind: 'dropped', docIds: [g1] });
    expect(docs.docs.has(g1)).toBe(false);
    expect(generationOf(docs.doc(indexHeadDocId('w1')))).toBe(2); // never rewritten as a newest
  });
});
