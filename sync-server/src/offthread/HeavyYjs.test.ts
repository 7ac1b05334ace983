import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as decoding from 'lib0/decoding';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../log/logger.ts';
import { HeavyPriority, HeavyYjs } from './HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { randomEdits } from '../testing/randomEdits.ts';
import { seededRandom } from '@desk/protocol/testing';

const execFileAsync = promisify(execFile);
const onWorker = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
const inline = new HeavyYjs(createLogger('silent'), heavyWorkerCode, Number.POSITIVE_INFINITY);
afterAll(() => onWorker.close());

function index(titles: Record<string, string>): Uint8Array {
  const doc = new Y.Doc();
  for (const [id, title] of Object.entries(titles)) {
    const row = new Y.Map<unknown>();
    row.set('title', title);
    doc.getMap('tickets').set(id, row);
  }
  return Y.encodeStateAsUpdate(doc);
}

describe('HeavyYjs', () => {
  it('gives the same answers on the worker thread as inline', async () => {
    const random = seededRandom(42);
    const doc = new Y.Doc();
    randomEdits(doc, random, 30);
    const snapshot = Y.encodeStateAsUpdate(doc);
    randomEdits(doc, random, 30);
    const current = Y.encodeStateAsUpdate(doc);
    const scope = { kind: 'doc' } as const;

    const remote = await onWorker.run('forwardRestore', [current, snapshot, scope], 1);
    const local = await inline.run('forwardRestore', [current, snapshot, scope], 1);
    const restoredRemote = new Y.Doc();
    Y.applyUpdate(restoredRemote, current);
    Y.applyUpdate(restoredRemote, remote!);
    expect(await onWorker.run('contentKey', [Y.encodeStateAsUpdate(restoredRemote)], 1)).toBe(
      await inline.run('contentKey', [snapshot], 1),
    );
    expect(local).not.toBeNull();

    const then = index({ a: 'A', b: 'B' });
    const now = index({ a: 'A, renamed', c: 'C' });
    const diff = await onWorker.run('indexDiff', [then, now, null], 1);
    expect(diff.tickets.added.map((x) => x.id)).toEqual(['c']);
    expect(diff.tickets.removed.map((x) => x.id)).toEqual(['b']);
    expect(diff.tickets.candidates).toMatchObject([{ id: 'a', fields: ['title'] }]);
    expect(await onWorker.run('merge', [[then, now]], 1)).toBeInstanceOf(Uint8Array);

    // A restore's record and its undo, across the thread boundary.
    const recorded = await onWorker.run('recordedRestore', [now, then, scope], 1);
    expect(recorded.items).toEqual(
      (await inline.run('recordedRestore', [now, then, scope], 1)).items,
    );
    const restored = new Y.Doc();
    Y.applyUpdate(restored, now);
    Y.applyUpdate(restored, recorded.update!);
    const undo = await onWorker.run(
      'undoItems',
      [Y.encodeStateAsUpdate(restored), now, recorded.items],
      1,
    );
    expect(undo.leftAlone).toEqual([]);
    Y.applyUpdate(restored, undo.update!);
    expect(await onWorker.run('contentKey', [Y.encodeStateAsUpdate(restored)], 1)).toBe(
      await inline.run('contentKey', [now], 1),
    );
    expect(await onWorker.run('entryLabels', [now, 'tickets', ['a', 'b']], 1)).toEqual({
      a: { number: null, title: 'A, renamed' },
    });
  });

  it('loads a large doc and answers its sync step 1 from bytes, as a Y.Doc would', async () => {
    const doc = new Y.Doc();
    randomEdits(doc, seededRandom(7), 40);
    const state = Y.encodeStateAsUpdate(doc);
    const before = onWorker.runs('syncStep2', 'worker');
    const loaded = await onWorker.run('loadLarge', [[state]], 1);
    expect(Y.decodeStateVector(loaded.stateVector)).toEqual(
      Y.decodeStateVector(Y.encodeStateVector(doc)),
    );
    const step2 = await onWorker.run('syncStep2', [[loaded.update], new Uint8Array([0])], 1);
    expect(onWorker.runs('syncStep2', 'worker')).toBe(before + 1);
    // varUint 0 (sync) · varUint 1 (step 2) · varUint8Array update
    const decoder = decoding.createDecoder(step2);
    expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]).toEqual([0, 1]);
    const update = decoding.readVarUint8Array(decoder);
    expect(await inline.run('contentKey', [update], 1)).toBe(
      await inline.run('contentKey', [state], 1),
    );
  });

  it('runs a serving request before background requests already waiting, one at a time', async () => {
    const heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
    try {
      const state = index({ a: 'A' });
      const finished: string[] = [];
      const request = (name: string, priority?: HeavyPriority) =>
        heavy.run('merge', [[state, state]], 1, priority).then(() => finished.push(name));
      // The first background request is on the worker when the others arrive; the first
      // sync that arrives last goes next, then the background ones in their order.
      await Promise.all([
        request('compaction 1'),
        request('compaction 2'),
        request('snapshot'),
        request('first sync', HeavyPriority.serving),
        request('load', HeavyPriority.serving),
      ]);
      expect(finished).toEqual(['compaction 1', 'first sync', 'load', 'compaction 2', 'snapshot']);
      expect(heavy.runs('merge', 'worker')).toBe(5);
    } finally {
      await heavy.close();
    }
  });

  it('rejects with the worker’s error and keeps serving', async () => {
    await expect(onWorker.run('contentKey', [new Uint8Array([1, 2, 3, 250])], 1)).rejects.toThrow();
    expect(await onWorker.run('contentKey', [null], 1)).toBe('{}');
  });
});

describe('HeavyYjs under tsx, as the server runs', () => {
  it('starts its worker thread (no fallback to inline work)', async () => {
    const script = `
      import { HeavyYjs } from ${JSON.stringify(new URL('./HeavyYjs.ts', import.meta.url).href)};
      import { createLogger } from ${JSON.stringify(new URL('../log/logger.ts', import.meta.url).href)};
      import { heavyWorkerCode } from ${JSON.stringify(new URL('../worker/heavyWorkerCode.ts', import.meta.url).href)};
      const heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
      const merged = await heavy.run('merge', [[new Uint8Array([0, 0])]], 1);
      process.stdout.write(JSON.stringify({ onWorker: heavy.onWorker, merged: [...merged] }));
      await heavy.close();
    `;
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    expect(JSON.parse(stdout)).toEqual({ onWorker: true, merged: [0, 0] });
  });
});
