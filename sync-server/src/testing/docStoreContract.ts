import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bigTextState, textUpdates } from './docUpdates.ts';
import type { AppendResult, DocStore, StoredDoc } from '../store/DocStore.ts';

/**
 * A fresh, empty store to run the contract against, a way to dispose of it, and a probe of
 * what the store writes durably: `written(action)` runs `action` and returns how much it
 * wrote, in the store's own unit (SQLite: WAL frames, i.e. pages; PostgreSQL: WAL bytes).
 * The probe lets the contract hold cost rules without timing anything.
 */
export interface OpenedDocStore {
  readonly store: DocStore;
  readonly close: () => void;
  readonly written: (action: () => void) => number;
  /** Bytes of one slice of the sliced methods (the store's state chunk size). */
  readonly sliceBytes: number;
  /**
   * Runs `action` and returns the most state and log bytes the store read or wrote in any
   * one event-loop turn meanwhile (SQLite: the blobs its statements bind and return).
   */
  readonly largestTurn: (action: () => Promise<unknown>) => Promise<number>;
  /**
   * Drops the store as a crash would — whatever it was doing stops where it is — and opens
   * it again on the same data. `close` then disposes of the reopened one.
   */
  readonly reopen: () => DocStore;
}

/**
 * The behaviour every DocStore must have, run against each implementation (SQLite now,
 * PostgreSQL with scale-out). `open` gives a fresh, empty store and a way to dispose of it.
 */
export function describeDocStoreContract(name: string, open: () => OpenedDocStore): void {
  describe(`DocStore contract: ${name}`, () => {
    let store: DocStore;
    let close: () => void;
    let written: (action: () => void) => number;
    let sliceBytes: number;
    let largestTurn: (action: () => Promise<unknown>) => Promise<number>;
    let reopen: () => DocStore;

    beforeEach(() => {
      ({ store, close, written, sliceBytes, largestTurn, reopen } = open());
    });
    afterEach(() => close());

    it('returns null for a document that was never written', () => {
      expect(store.load('ws1:index')).toBeNull();
    });

    it('loads appended updates in the order they were appended', () => {
      const [a, b, c] = textUpdates(3);
      store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: a! }]);
      store.append([
        { docId: 'ws1:index', workspaceId: 'ws1', update: b! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: c! },
      ]);
      const stored = store.load('ws1:index')!;
      expect(stored.state).toBeNull();
      expect(stored.log.map((u) => Array.from(u))).toEqual([a, b, c].map((u) => Array.from(u!)));
      expect(stored.storedBytes).toBe(a!.byteLength + b!.byteLength + c!.byteLength);
    });

    it('gives every appended update the next sequence of its own workspace', () => {
      const [u] = textUpdates(1);
      const results = store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:a', workspaceId: 'ws2', update: u! },
        { docId: 'ws1:b', workspaceId: 'ws1', update: u! },
      ]);
      expect(results.map((r) => r.seq)).toEqual([1, 1, 2]);
      expect(store.workspaceSeq('ws1')).toBe(2);
      expect(store.workspaceSeq('ws2')).toBe(1);
      expect(store.workspaceSeq('ws3')).toBe(0);
      expect(store.load('ws1:b')!.lastSeq).toBe(2);
    });

    it('lists exactly the documents changed after a sequence, with their latest sequence', () => {
      const [u] = textUpdates(1);
      for (const doc of ['a', 'b', 'c', 'd']) {
        store.append([{ docId: `ws1:${doc}`, workspaceId: 'ws1', update: u! }]);
      }
      store.append([{ docId: 'ws1:b', workspaceId: 'ws1', update: u! }]);
      store.append([{ docId: 'ws2:x', workspaceId: 'ws2', update: u! }]);
      expect(store.changedSince('ws1', 3)).toEqual([
        { docId: 'ws1:d', seq: 4 },
        { docId: 'ws1:b', seq: 5 },
      ]);
      expect(store.changedSince('ws1', 5)).toEqual([]);
      expect(store.changedSince('ws1', 0)).toHaveLength(4);
    });

    it('compacts the log through a row into the merged state and keeps later rows', () => {
      const [a, b, c] = textUpdates(3);
      const first = store.append([
        { docId: 'ws1:t', workspaceId: 'ws1', update: a! },
        { docId: 'ws1:t', workspaceId: 'ws1', update: b! },
      ]);
      const merged = Y.mergeUpdates([a!, b!]);
      store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: c! }]);
      store.compact('ws1:t', merged, first[1]!.logId);
      const stored = store.load('ws1:t')!;
      expect(Array.from(stored.state!)).toEqual(Array.from(merged));
      expect(stored.log.map((u) => Array.from(u))).toEqual([Array.from(c!)]);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.mergeUpdates([stored.state!, ...stored.log]));
      expect(doc.getText('t').toString()).toBe('012');
    });

    it('loads an update appended after a compaction that folded every logged row', () => {
      // SQLite reuses the largest row id once that row is deleted: a new row must still
      // count as after the merged state.
      const [a, b] = textUpdates(2);
      const [first] = store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: a! }]);
      store.compact('ws1:t', a!, first!.logId);
      store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: b! }]);
      const stored = store.load('ws1:t')!;
      expect(stored.log.map((u) => Array.from(u))).toEqual([Array.from(b!)]);
      expect(stored.storedBytes).toBe(a!.byteLength + b!.byteLength);
    });

    it('writes as much to append an update to a huge document as to a tiny one', () => {
      // An append must not rewrite the merged state: if it did, every edit of a 26 MB index
      // would write 26 MB (issue 13). The same small update goes to a doc whose merged
      // state is 4 MiB and to one whose state is a few bytes.
      const bigState = bigTextState(4 * 1024 * 1024);
      const [tiny, edit] = textUpdates(2);
      for (const [docId, state] of [
        ['ws1:big', bigState],
        ['ws1:tiny', tiny!],
      ] as const) {
        const [row] = store.append([{ docId, workspaceId: 'ws1', update: state }]);
        store.compact(docId, state, row!.logId);
      }
      // Once each first, so both docs' bookkeeping rows exist in the same shape.
      for (const docId of ['ws1:big', 'ws1:tiny']) {
        store.append([{ docId, workspaceId: 'ws1', update: edit! }]);
      }
      const append = (docId: string) => () => {
        store.append([{ docId, workspaceId: 'ws1', update: edit! }]);
      };
      const onBig = written(append('ws1:big'));
      const onTiny = written(append('ws1:tiny'));
      expect(onTiny).toBeGreaterThan(0);
      // Slack for a B-tree page split landing on one side, not for the state.
      expect(onBig).toBeLessThanOrEqual(onTiny + 2);
      expect(store.load('ws1:big')!.state!.byteLength).toBe(bigState.byteLength);
    });

    it('appends all updates of a batch or none of them', () => {
      const [a] = textUpdates(1);
      const broken = { docId: 'ws1:t', workspaceId: 'ws1', update: 'not bytes' as unknown };
      expect(() =>
        store.append([
          { docId: 'ws1:t', workspaceId: 'ws1', update: a! },
          broken as { docId: string; workspaceId: string; update: Uint8Array },
        ]),
      ).toThrow();
      expect(store.load('ws1:t')).toBeNull();
      expect(store.workspaceSeq('ws1')).toBe(0);
    });

    it('has a stable, non-empty generation', () => {
      expect(store.generation()).not.toBe('');
      expect(store.generation()).toBe(store.generation());
    });

    it('deletes every document of a workspace and nothing else', () => {
      const [u] = textUpdates(1);
      const [first] = store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:a', workspaceId: 'ws2', update: u! },
      ]);
      store.compact('ws1:a', u!, first!.logId);
      store.deleteWorkspace('ws1');
      expect(store.load('ws1:a')).toBeNull();
      expect(store.workspaceSeq('ws1')).toBe(0);
      expect(store.load('ws2:a')).not.toBeNull();
    });

    it('deletes the named documents (state and log) and nothing else', () => {
      const [u, v] = textUpdates(2);
      const [first] = store.append([
        { docId: 'ws1:user:u1', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
      ]);
      store.compact('ws1:user:u1', u!, first!.logId);
      store.append([{ docId: 'ws1:user:u1', workspaceId: 'ws1', update: v! }]);
      expect(store.deleteDocs(['ws1:user:u1', 'ws2:user:u1'])).toBe(1);
      expect(store.load('ws1:user:u1')).toBeNull();
      expect(store.load('ws1:index')).not.toBeNull();
    });

    it('counts ticket documents per workspace: created once, uncounted when deleted', () => {
      const [u, v] = textUpdates(2);
      expect(store.ticketCount('ws1')).toBe(0);
      store.append([
        { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: v! },
        { docId: 'ws1:ticket:b', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:notice:ticket:c', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:ticket:a', workspaceId: 'ws2', update: u! },
      ]);
      store.append([{ docId: 'ws1:ticket:b', workspaceId: 'ws1', update: v! }]);
      expect(store.ticketCount('ws1')).toBe(2);
      expect(store.ticketCount('ws2')).toBe(1);
      store.deleteDocs(['ws1:ticket:a']);
      expect(store.ticketCount('ws1')).toBe(1);
      store.deleteWorkspace('ws1');
      expect(store.ticketCount('ws1')).toBe(0);
      expect(store.ticketCount('ws2')).toBe(1);
    });

    describe('in slices (large documents, issue 13 #2)', () => {
      /**
       * A doc of one Y.Text whose merged state is `slices` slices, compacted, plus `logRows`
       * small edits logged after it. `writer` makes further edits; `expected` is its text.
       */
      function largeDoc(docId: string, slices: number, logRows: number) {
        const writer = new Y.Doc();
        const text = writer.getText('t');
        let body = '';
        for (let i = 0; body.length < slices * sliceBytes; i++) body += `${i.toString(36)} `;
        text.insert(0, body);
        const [first] = store.append([
          { docId, workspaceId: 'ws1', update: Y.encodeStateAsUpdate(writer) },
        ]);
        store.compact(docId, Y.encodeStateAsUpdate(writer), first!.logId);
        const edit = (): AppendResult => {
          let update: Uint8Array | null = null;
          const take = (u: Uint8Array) => (update = u);
          writer.on('update', take);
          text.insert(text.length, `+${text.length.toString(36)}`);
          writer.off('update', take);
          return store.append([{ docId, workspaceId: 'ws1', update: update! }])[0]!;
        };
        for (let i = 0; i < logRows; i++) edit();
        return { writer, edit, expected: () => text.toString() };
      }

      const textOf = (stored: StoredDoc): string => {
        const doc = new Y.Doc();
        doc.transact(() => {
          if (stored.state) Y.applyUpdate(doc, stored.state);
          for (const update of stored.log) Y.applyUpdate(doc, update);
        });
        return doc.getText('t').toString();
      };

      const sameDoc = (a: StoredDoc | null, b: StoredDoc | null) => {
        expect(a === null).toBe(b === null);
        if (!a || !b) return;
        expect(Buffer.from(a.state ?? []).equals(Buffer.from(b.state ?? []))).toBe(true);
        expect(a.state === null).toBe(b.state === null);
        expect(a.log.map((u) => Buffer.from(u).toString('hex'))).toEqual(
          b.log.map((u) => Buffer.from(u).toString('hex')),
        );
        expect([a.lastLogId, a.storedBytes, a.lastSeq, a.updatesStored]).toEqual([
          b.lastLogId,
          b.storedBytes,
          b.lastSeq,
          b.updatesStored,
        ]);
      };

      it('loads in slices exactly what load reads at once, compacted or not', async () => {
        largeDoc('ws1:big', 12, 40);
        sameDoc(await store.loadInSlices('ws1:big'), store.load('ws1:big'));
        // A log of several slices and no merged state.
        const [u] = textUpdates(1);
        const rows = Array.from({ length: 3 * 8 }, () => ({
          docId: 'ws1:logOnly',
          workspaceId: 'ws1',
          update: bigTextState(sliceBytes / 4),
        }));
        store.append([...rows, { docId: 'ws1:small', workspaceId: 'ws1', update: u! }]);
        sameDoc(await store.loadInSlices('ws1:logOnly'), store.load('ws1:logOnly'));
        sameDoc(await store.loadInSlices('ws1:small'), store.load('ws1:small'));
        expect(await store.loadInSlices('ws1:never')).toBeNull();
      });

      it('keeps every update appended while a sliced compaction runs', async () => {
        const doc = largeDoc('ws1:big', 12, 30);
        const through = doc.edit();
        const state = Y.encodeStateAsUpdate(doc.writer);
        let appendedMeanwhile = 0;
        let done = false;
        const compaction = store.compactInSlices('ws1:big', state, through.logId).finally(() => {
          done = true;
        });
        while (!done) {
          doc.edit();
          appendedMeanwhile++;
          await nextTurn();
        }
        await compaction;
        expect(appendedMeanwhile).toBeGreaterThan(5);
        const stored = store.load('ws1:big')!;
        expect(Buffer.from(stored.state!).equals(Buffer.from(state))).toBe(true);
        expect(stored.log).toHaveLength(appendedMeanwhile);
        expect(textOf(stored)).toBe(doc.expected());
        sameDoc(await store.loadInSlices('ws1:big'), stored);
      });

      it('reads one version and its own log while compactions commit, never a mix', async () => {
        const doc = largeDoc('ws1:big', 12, 20);
        // Text through each log row, to check what a load returns against.
        const textThrough = new Map<number, string>();
        const edit = () => textThrough.set(doc.edit().logId, doc.expected());
        edit();
        // A sliced load with a synchronous compaction landing in its middle.
        const loading = store.loadInSlices('ws1:big');
        await nextTurn();
        await nextTurn();
        edit();
        const [last] = [...textThrough.keys()].slice(-1);
        store.compact('ws1:big', Y.encodeStateAsUpdate(doc.writer), last!);
        edit();
        const loaded = (await loading)!;
        expect(textOf(loaded)).toBe(textThrough.get(loaded.lastLogId));

        // And one during a sliced compaction, with appends going on.
        edit();
        const through = [...textThrough.keys()].at(-1)!;
        const compaction = store.compactInSlices(
          'ws1:big',
          Y.encodeStateAsUpdate(doc.writer),
          through,
        );
        const during = store.loadInSlices('ws1:big');
        for (let i = 0; i < 10; i++) {
          edit();
          await nextTurn();
        }
        await compaction;
        const read = (await during)!;
        expect(textOf(read)).toBe(textThrough.get(read.lastLogId));
      });

      it('leaves the document as it was when a sliced compaction is abandoned mid-way', async () => {
        const doc = largeDoc('ws1:big', 16, 10);
        const before = store.load('ws1:big')!;
        const through = doc.edit();
        const abandoned = store
          .compactInSlices('ws1:big', Y.encodeStateAsUpdate(doc.writer), through.logId)
          .then(
            () => 'finished',
            () => 'stopped',
          );
        for (let i = 0; i < 6; i++) await nextTurn();
        store = reopen();
        expect(await abandoned).toBe('stopped');

        const after = store.load('ws1:big')!;
        expect(Buffer.from(after.state!).equals(Buffer.from(before.state!))).toBe(true);
        expect(textOf(after)).toBe(doc.expected());
        sameDoc(await store.loadInSlices('ws1:big'), after);
        // The next compaction goes through, over whatever the abandoned one left.
        const state = Y.encodeStateAsUpdate(doc.writer);
        await store.compactInSlices('ws1:big', state, after.lastLogId);
        const compacted = store.load('ws1:big')!;
        expect(Buffer.from(compacted.state!).equals(Buffer.from(state))).toBe(true);
        expect(compacted.log).toEqual([]);
      });

      it('never reads or writes more than about one slice in one event-loop turn', async () => {
        const doc = largeDoc('ws1:big', 20, 200);
        const stateBytes = store.load('ws1:big')!.storedBytes;
        // One log row may overshoot a slice; the test's rows are tiny.
        const bound = sliceBytes + 1024;

        expect(await largestTurn(() => store.loadInSlices('ws1:big'))).toBeLessThanOrEqual(bound);
        const state = Y.encodeStateAsUpdate(doc.writer);
        const through = store.load('ws1:big')!.lastLogId;
        expect(
          await largestTurn(() => store.compactInSlices('ws1:big', state, through)),
        ).toBeLessThanOrEqual(bound);
        // The probe sees what the synchronous methods move in their one turn.
        expect(await largestTurn(async () => store.load('ws1:big'))).toBeGreaterThanOrEqual(
          stateBytes - bound,
        );
      });
    });
  });
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
