import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocStore } from './DocStore.ts';

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

    beforeEach(() => {
      ({ store, close, written } = open());
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
  });
}

/** The merged state of a doc holding one Y.Text of about `bytes` characters. */
function bigTextState(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  // Varied characters: a run of one character compresses in neither Yjs nor SQLite, but
  // a real document is not one character either.
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${i.toString(36)} `;
  doc.getText('t').insert(0, text.slice(0, bytes));
  return Y.encodeStateAsUpdate(doc);
}

/** `count` successive updates of one Y.Text, each inserting its index. */
function textUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, String(i));
  return updates;
}
