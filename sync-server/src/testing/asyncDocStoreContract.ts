import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bigTextState, hex, textUpdates } from './docUpdates.ts';
import type { AsyncDocStore } from '../store/AsyncDocStore.ts';
import { DocClosedError, WorkspaceClosedError, type StoredDoc } from '../store/DocStore.ts';

/**
 * A fresh, empty store for the async contract, and what the contract needs around it.
 * `another` opens a second store on the same data, as a second server process would (a
 * second SQLite connection; a second PostgreSQL pool); `close` disposes of all of them.
 */
export interface OpenedAsyncDocStore {
  readonly store: AsyncDocStore;
  readonly another: () => Promise<AsyncDocStore>;
  readonly close: () => Promise<void>;
  /**
   * Runs `action` and returns how much the store wrote durably meanwhile, in its own unit
   * (SQLite: WAL frames; PostgreSQL: WAL bytes), to hold cost rules without timing.
   */
  readonly written: (action: () => Promise<void>) => Promise<number>;
  /**
   * What two appends of one small update may differ by in `written` units: a B-tree page
   * split for SQLite; for PostgreSQL, WAL the rest of the server writes meanwhile (it is
   * shared) and a full-page image — far under the 4 MiB state the rule is about.
   */
  readonly writeSlack: number;
}

/**
 * The behaviour every AsyncDocStore must have: the synchronous DocStore contract
 * (docStoreContract.ts) but its sliced methods, awaited, plus what several processes on
 * one database need — the change sequence stays gap-free and in commit order under
 * appenders racing from two stores. Run against SQLite (wrapped) and PostgreSQL.
 */
export function describeAsyncDocStoreContract(
  name: string,
  open: () => Promise<OpenedAsyncDocStore>,
): void {
  describe(`AsyncDocStore contract: ${name}`, () => {
    let opened: OpenedAsyncDocStore;
    let store: AsyncDocStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(() => opened.close());

    it('returns null for a document that was never written', async () => {
      expect(await store.load('ws1:index')).toBeNull();
    });

    it('loads appended updates in the order they were appended', async () => {
      const [a, b, c] = textUpdates(3);
      await store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: a! }]);
      await store.append([
        { docId: 'ws1:index', workspaceId: 'ws1', update: b! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: c! },
      ]);
      const stored = (await store.load('ws1:index'))!;
      expect(stored.state).toBeNull();
      expect(stored.log.map(hex)).toEqual([a, b, c].map((u) => hex(u!)));
      expect(stored.storedBytes).toBe(a!.byteLength + b!.byteLength + c!.byteLength);
      expect(stored.lastSeq).toBe(3);
    });

    it('gives every appended update the next sequence of its own workspace', async () => {
      const [u] = textUpdates(1);
      const results = await store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:a', workspaceId: 'ws2', update: u! },
        { docId: 'ws1:b', workspaceId: 'ws1', update: u! },
      ]);
      expect(results.map((r) => r.seq)).toEqual([1, 1, 2]);
      expect(results[0]!.logId).toBeLessThan(results[1]!.logId);
      expect(results[1]!.logId).toBeLessThan(results[2]!.logId);
      expect(await store.workspaceSeq('ws1')).toBe(2);
      expect(await store.workspaceSeq('ws2')).toBe(1);
      expect(await store.workspaceSeq('ws3')).toBe(0);
      expect((await store.load('ws1:b'))!.lastSeq).toBe(2);
    });

    it('numbers each doc’s updates 1, 2, 3… in a batch of several docs, and a load reports the count', async () => {
      const [u] = textUpdates(1);
      const results = await store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:b', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:a', workspaceId: 'ws2', update: u! },
      ]);
      expect(results.map((r) => r.stored)).toEqual([1, 1, 2, 1]);
      const [next] = await store.append([{ docId: 'ws1:a', workspaceId: 'ws1', update: u! }]);
      expect(next!.stored).toBe(3);
      expect((await store.load('ws1:a'))!.updatesStored).toBe(3);
      const counts = await store.storedCounts('ws1', ['ws1:a', 'ws1:b', 'ws1:none', 'ws2:a']);
      expect(counts.sort((x, y) => x.docId.localeCompare(y.docId))).toEqual([
        { docId: 'ws1:a', updatesStored: 3 },
        { docId: 'ws1:b', updatesStored: 1 },
      ]);
      expect(await store.storedCounts('ws1', [])).toEqual([]);
    });

    it('keeps the count of stored updates through compactions: what was ever stored, not what the log holds', async () => {
      const updates = textUpdates(5);
      for (const update of updates.slice(0, 4)) {
        await store.append([{ docId: 'ws1:a', workspaceId: 'ws1', update }]);
      }
      const loaded = (await store.load('ws1:a'))!;
      await store.compact('ws1:a', Y.mergeUpdates(loaded.log), loaded.lastLogId);
      const compacted = (await store.load('ws1:a'))!;
      expect(compacted.log).toEqual([]);
      expect(compacted.updatesStored).toBe(4);
      const [next] = await store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: updates[4]! },
      ]);
      expect(next!.stored).toBe(5);
      expect(await store.storedCounts('ws1', ['ws1:a'])).toEqual([
        { docId: 'ws1:a', updatesStored: 5 },
      ]);
    });

    it('lists exactly the documents changed after a sequence, with their latest sequence', async () => {
      const [u] = textUpdates(1);
      for (const doc of ['a', 'b', 'c', 'd']) {
        await store.append([{ docId: `ws1:${doc}`, workspaceId: 'ws1', update: u! }]);
      }
      await store.append([{ docId: 'ws1:b', workspaceId: 'ws1', update: u! }]);
      await store.append([{ docId: 'ws2:x', workspaceId: 'ws2', update: u! }]);
      expect(await store.changedSince('ws1', 3)).toEqual([
        { docId: 'ws1:d', seq: 4 },
        { docId: 'ws1:b', seq: 5 },
      ]);
      expect(await store.changedSince('ws1', 5)).toEqual([]);
      expect(await store.changedSince('ws1', 0)).toHaveLength(4);
      expect(await store.changedSince('ws1', 0, 2)).toEqual([
        { docId: 'ws1:a', seq: 1 },
        { docId: 'ws1:c', seq: 3 },
      ]);
    });

    it('compacts the log through a row into the merged state and keeps later rows', async () => {
      const [a, b, c] = textUpdates(3);
      const first = await store.append([
        { docId: 'ws1:t', workspaceId: 'ws1', update: a! },
        { docId: 'ws1:t', workspaceId: 'ws1', update: b! },
      ]);
      const merged = Y.mergeUpdates([a!, b!]);
      await store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: c! }]);
      await store.compact('ws1:t', merged, first[1]!.logId);
      const stored = (await store.load('ws1:t'))!;
      expect(hex(stored.state!)).toEqual(hex(merged));
      expect(stored.log.map(hex)).toEqual([hex(c!)]);
      expect(stored.storedBytes).toBe(merged.byteLength + c!.byteLength);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.mergeUpdates([stored.state!, ...stored.log]));
      expect(doc.getText('t').toString()).toBe('012');
    });

    it('loads an update appended after a compaction that folded every logged row', async () => {
      const [a, b] = textUpdates(2);
      const [first] = await store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: a! }]);
      await store.compact('ws1:t', a!, first!.logId);
      await store.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: b! }]);
      const stored = (await store.load('ws1:t'))!;
      expect(stored.log.map(hex)).toEqual([hex(b!)]);
      expect(stored.storedBytes).toBe(a!.byteLength + b!.byteLength);
    });

    it('never moves the merged state backwards: an older compaction keeps the newer log folded', async () => {
      const [a, b, c] = textUpdates(3);
      const rows = await store.append(
        [a!, b!, c!].map((update) => ({ docId: 'ws1:t', workspaceId: 'ws1', update })),
      );
      await store.compact('ws1:t', Y.mergeUpdates([a!, b!, c!]), rows[2]!.logId);
      // A compaction computed earlier (through the first row) lands late.
      await store.compact('ws1:t', Y.mergeUpdates([a!, b!, c!]), rows[0]!.logId);
      expect((await store.load('ws1:t'))!.log).toEqual([]);
    });

    it('writes as much to append an update to a huge document as to a tiny one', async () => {
      const bigState = bigTextState(4 * 1024 * 1024);
      const [tiny, edit] = textUpdates(2);
      for (const [docId, state] of [
        ['ws1:big', bigState],
        ['ws1:tiny', tiny!],
      ] as const) {
        const [row] = await store.append([{ docId, workspaceId: 'ws1', update: state }]);
        await store.compact(docId, state, row!.logId);
      }
      for (const docId of ['ws1:big', 'ws1:tiny']) {
        await store.append([{ docId, workspaceId: 'ws1', update: edit! }]);
      }
      const append = (docId: string) => async () => {
        await store.append([{ docId, workspaceId: 'ws1', update: edit! }]);
      };
      const onBig = await opened.written(append('ws1:big'));
      const onTiny = await opened.written(append('ws1:tiny'));
      expect(onTiny).toBeGreaterThan(0);
      expect(onBig).toBeLessThanOrEqual(onTiny + opened.writeSlack);
      expect((await store.load('ws1:big'))!.state!.byteLength).toBe(bigState.byteLength);
    });

    it('appends all updates of a batch or none of them', async () => {
      const [a] = textUpdates(1);
      const broken = { docId: 'ws1:t', workspaceId: 'ws1', update: 'not bytes' as unknown };
      await expect(
        store.append([
          { docId: 'ws1:t', workspaceId: 'ws1', update: a! },
          broken as { docId: string; workspaceId: string; update: Uint8Array },
        ]),
      ).rejects.toThrow();
      expect(await store.load('ws1:t')).toBeNull();
      expect(await store.workspaceSeq('ws1')).toBe(0);
    });

    it('has a stable, non-empty generation, the same for every process', async () => {
      const generation = await store.generation();
      expect(generation).not.toBe('');
      expect(await store.generation()).toBe(generation);
      expect(await (await opened.another()).generation()).toBe(generation);
    });

    it('deletes every document of a workspace and nothing else', async () => {
      const [u] = textUpdates(1);
      const [first] = await store.append([
        { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:a', workspaceId: 'ws2', update: u! },
      ]);
      await store.compact('ws1:a', u!, first!.logId);
      await store.deleteWorkspace('ws1');
      expect(await store.load('ws1:a')).toBeNull();
      expect(await store.workspaceSeq('ws1')).toBe(0);
      expect(await store.changedSince('ws1', 0)).toEqual([]);
      expect(await store.load('ws2:a')).not.toBeNull();
    });

    it('deletes the named documents (state and log) and nothing else', async () => {
      const [u, v] = textUpdates(2);
      const [first] = await store.append([
        { docId: 'ws1:user:u1', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
      ]);
      await store.compact('ws1:user:u1', u!, first!.logId);
      await store.append([{ docId: 'ws1:user:u1', workspaceId: 'ws1', update: v! }]);
      expect(await store.deleteDocs(['ws1:user:u1', 'ws2:user:u1'])).toBe(1);
      expect(await store.load('ws1:user:u1')).toBeNull();
      expect(await store.load('ws1:index')).not.toBeNull();
      // Written again from scratch: no state or log of the deleted doc comes back.
      await store.append([{ docId: 'ws1:user:u1', workspaceId: 'ws1', update: v! }]);
      expect((await store.load('ws1:user:u1'))!.log.map(hex)).toEqual([hex(v!)]);
    });

    it('counts ticket documents per workspace: created once, uncounted when deleted', async () => {
      const [u, v] = textUpdates(2);
      expect(await store.ticketCount('ws1')).toBe(0);
      await store.append([
        { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: v! },
        { docId: 'ws1:ticket:b', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:notice:ticket:c', workspaceId: 'ws1', update: u! },
        { docId: 'ws2:ticket:a', workspaceId: 'ws2', update: u! },
      ]);
      await store.append([{ docId: 'ws1:ticket:b', workspaceId: 'ws1', update: v! }]);
      expect(await store.ticketCount('ws1')).toBe(2);
      expect(await store.ticketCount('ws2')).toBe(1);
      await store.deleteDocs(['ws1:ticket:a']);
      expect(await store.ticketCount('ws1')).toBe(1);
      await store.deleteWorkspace('ws1');
      expect(await store.ticketCount('ws1')).toBe(0);
      expect(await store.ticketCount('ws2')).toBe(1);
    });

    it('refuses, once a workspace is closed, every append holding one of its updates, storing nothing of the batch', async () => {
      const [u, v] = textUpdates(2);
      await store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: u! }]);
      await store.closeWorkspace('ws1');
      const refused = store.append([
        { docId: 'ws2:index', workspaceId: 'ws2', update: u! },
        { docId: 'ws1:index', workspaceId: 'ws1', update: v! },
        { docId: 'ws1:ticket:new', workspaceId: 'ws1', update: v! },
      ]);
      await expect(refused).rejects.toBeInstanceOf(WorkspaceClosedError);
      await expect(refused).rejects.toMatchObject({ workspaceIds: ['ws1'] });
      // Nothing of the batch, not even the open workspace's update.
      expect(await store.load('ws2:index')).toBeNull();
      expect((await store.load('ws1:index'))!.log.map(hex)).toEqual([hex(u!)]);
      expect(await store.load('ws1:ticket:new')).toBeNull();
      expect(await store.workspaceSeq('ws1')).toBe(1);
      // The other workspace's update goes through on its own; closing twice changes nothing.
      await store.append([{ docId: 'ws2:index', workspaceId: 'ws2', update: u! }]);
      await store.closeWorkspace('ws1');
      // Deleting the documents (the purge) does not reopen it.
      await store.deleteDocs(['ws1:index']);
      await expect(
        store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: v! }]),
      ).rejects.toBeInstanceOf(WorkspaceClosedError);
      expect(await store.load('ws1:index')).toBeNull();
    });

    describe('sliced load and compaction (issue 13)', () => {
      // Over a megabyte: several chunks on every backend (256 KiB by default).
      const bigBytes = 1200 * 1024;
      const textOf = (stored: StoredDoc): string => {
        const doc = new Y.Doc();
        Y.applyUpdate(
          doc,
          Y.mergeUpdates(stored.state ? [stored.state, ...stored.log] : stored.log),
        );
        return doc.getText('t').toString();
      };
      const sameDoc = (a: StoredDoc | null, b: StoredDoc | null) => {
        expect(a === null).toBe(b === null);
        if (!a || !b) return;
        expect(a.state === null).toBe(b.state === null);
        expect(Buffer.from(a.state ?? []).equals(Buffer.from(b.state ?? []))).toBe(true);
        expect(a.log.map(hex)).toEqual(b.log.map(hex));
        expect([a.lastLogId, a.storedBytes, a.lastSeq]).toEqual([
          b.lastLogId,
          b.storedBytes,
          b.lastSeq,
        ]);
      };
      /** A large compacted text doc with a few logged edits after its state. */
      const largeDoc = async (docId: string) => {
        const writer = new Y.Doc();
        const pending: Uint8Array[] = [];
        writer.on('update', (update: Uint8Array) => pending.push(update));
        writer.getText('t').insert(0, 'x'.repeat(bigBytes));
        const edit = async () => {
          writer.getText('t').insert(0, 'e');
          const rows = await store.append(
            pending.splice(0).map((update) => ({ docId, workspaceId: 'ws1', update })),
          );
          return rows.at(-1)!;
        };
        const [first] = await store.append(
          pending.splice(0).map((update) => ({ docId, workspaceId: 'ws1', update })),
        );
        await store.compact(docId, Y.encodeStateAsUpdate(writer), first!.logId);
        for (let i = 0; i < 3; i++) await edit();
        return { writer, edit, text: () => writer.getText('t').toString() };
      };

      it('loads in slices exactly what load reads, compacted or not', async () => {
        const doc = await largeDoc('ws1:big');
        sameDoc(await store.loadInSlices('ws1:big'), await store.load('ws1:big'));
        expect(textOf((await store.loadInSlices('ws1:big'))!)).toBe(doc.text());
        // A log of several slices and no merged state; a small doc; none.
        const [u] = textUpdates(1);
        await store.append([
          ...Array.from({ length: 12 }, () => ({
            docId: 'ws1:logOnly',
            workspaceId: 'ws1',
            update: bigTextState(bigBytes / 4),
          })),
          { docId: 'ws1:small', workspaceId: 'ws1', update: u! },
        ]);
        sameDoc(await store.loadInSlices('ws1:logOnly'), await store.load('ws1:logOnly'));
        sameDoc(await store.loadInSlices('ws1:small'), await store.load('ws1:small'));
        expect(await store.loadInSlices('ws1:never')).toBeNull();
      });

      it('compacts in slices: the new state and the rows after it, the rows it folded gone', async () => {
        const doc = await largeDoc('ws1:big');
        const through = await doc.edit();
        const state = Y.encodeStateAsUpdate(doc.writer);
        const after = await doc.edit();
        await store.compactInSlices('ws1:big', state, through.logId);
        const stored = (await store.loadInSlices('ws1:big'))!;
        expect(Buffer.from(stored.state!).equals(Buffer.from(state))).toBe(true);
        expect(stored.log).toHaveLength(1);
        expect(stored.lastLogId).toBe(after.logId);
        expect(textOf(stored)).toBe(doc.text());
        sameDoc(await (await opened.another()).load('ws1:big'), stored);
      });

      it('reads one whole version while a sliced compaction commits and edits go on, never a mix', async () => {
        const doc = await largeDoc('ws1:big');
        const textThrough = new Map<number, string>();
        const edit = async () => textThrough.set((await doc.edit()).logId, doc.text());
        await edit();
        const before = (await store.load('ws1:big'))!;
        textThrough.set(before.lastLogId, textOf(before));
        const through = before.lastLogId;
        const reader = await opened.another();
        const compaction = store.compactInSlices(
          'ws1:big',
          Y.encodeStateAsUpdate(doc.writer),
          through,
        );
        const reads = [reader.loadInSlices('ws1:big'), store.loadInSlices('ws1:big')];
        for (let i = 0; i < 5; i++) await edit();
        await compaction;
        reads.push(reader.loadInSlices('ws1:big'));
        for (const read of await Promise.all(reads)) {
          // A read of the new state before any later edit committed has no log (lastLogId 0):
          // it holds what the compaction folded, through `through`.
          expect(textOf(read!)).toBe(textThrough.get(read!.lastLogId || through));
        }
      });
    });

    it('refuses, once a deleted account’s private doc is closed, every append holding an update to it, storing nothing of the batch', async () => {
      const [u, v] = textUpdates(2);
      const mine = 'ws1:user:u1';
      await store.append([{ docId: mine, workspaceId: 'ws1', update: u! }]);
      await store.closeDocs([{ docId: mine, workspaceId: 'ws1' }]);
      await store.deleteDocs([mine]);
      const refused = store.append([
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
        { docId: mine, workspaceId: 'ws1', update: v! },
      ]);
      await expect(refused).rejects.toBeInstanceOf(DocClosedError);
      await expect(refused).rejects.toMatchObject({ docIds: [mine] });
      expect(await store.load(mine)).toBeNull();
      expect(await store.load('ws1:index')).toBeNull();
      // The workspace and another user's private doc stay open; closing twice changes nothing.
      await store.append([
        { docId: 'ws1:index', workspaceId: 'ws1', update: u! },
        { docId: 'ws1:user:u2', workspaceId: 'ws1', update: u! },
      ]);
      await store.closeDocs([{ docId: mine, workspaceId: 'ws1' }]);
      await expect(
        store.append([{ docId: mine, workspaceId: 'ws1', update: v! }]),
      ).rejects.toBeInstanceOf(DocClosedError);
      // Only private docs are closed: the append looks up no other.
      await expect(
        Promise.resolve().then(() => store.closeDocs([{ docId: 'ws1:index', workspaceId: 'ws1' }])),
      ).rejects.toThrow(/only private documents/);
    });

    describe('several processes on one database (issue 19)', () => {
      it('lets no append of another store land after a closure without being listed by the purge', async () => {
        // The purge closes the workspace, then lists its documents and deletes them: an
        // append racing the closure must have committed before it (and be listed) or be
        // refused — else it recreates a document after the purge.
        const other = await opened.another();
        const [u] = textUpdates(1);
        const append = (i: number) =>
          other.append([{ docId: `ws1:ticket:${i}`, workspaceId: 'ws1', update: u! }]).then(
            () => null,
            (error: unknown) => error,
          );
        // After the first has landed, while the others are in flight.
        expect(await append(0)).toBeNull();
        const appends = Array.from({ length: 40 }, (_, i) => append(i + 1));
        await store.closeWorkspace('ws1');
        const listed = new Set((await store.changedSince('ws1', 0)).map((row) => row.docId));
        const outcomes = await Promise.all(appends);
        const stored = outcomes.flatMap((error, i) => (error ? [] : [`ws1:ticket:${i + 1}`]));
        for (const error of outcomes) if (error) expect(error).toBeInstanceOf(WorkspaceClosedError);
        expect(listed.has('ws1:ticket:0')).toBe(true);
        expect(stored.filter((docId) => !listed.has(docId))).toEqual([]);
        // Nothing shows up later either.
        expect((await store.changedSince('ws1', 0)).map((row) => row.docId).sort()).toEqual(
          [...listed].sort(),
        );
      });

      it('lets no append of another store recreate a private doc closed and deleted meanwhile', async () => {
        // Account deletion closes the user's private docs, then deletes them: an append
        // racing the closure must have committed before it (and be deleted) or be refused.
        const other = await opened.another();
        const [u] = textUpdates(1);
        const mine = 'ws1:user:u1';
        const appends = Array.from({ length: 40 }, () =>
          other.append([{ docId: mine, workspaceId: 'ws1', update: u! }]).then(
            () => null,
            (error: unknown) => error,
          ),
        );
        await store.closeDocs([{ docId: mine, workspaceId: 'ws1' }]);
        await store.deleteDocs([mine]);
        for (const error of await Promise.all(appends)) {
          if (error) expect(error).toBeInstanceOf(DocClosedError);
        }
        expect(await store.load(mine)).toBeNull();
      });

      it('numbers one workspace’s updates 1..n without a gap or a repeat when two stores append at once', async () => {
        const other = await opened.another();
        const [u] = textUpdates(1);
        const perStore = 40;
        const seqs = new Map<string, number[]>([
          ['ws1', []],
          ['ws2', []],
        ]);
        // Batches of two workspaces in both orders: the stores must not deadlock either.
        const appendFrom = (s: AsyncDocStore, tag: string) =>
          Array.from({ length: perStore }, async (_, i) => {
            const order = i % 2 === 0 ? ['ws1', 'ws2'] : ['ws2', 'ws1'];
            const batch = order.map((ws) => ({
              docId: `${ws}:${tag}${i}`,
              workspaceId: ws,
              update: u!,
            }));
            const results = await s.append(batch);
            results.forEach((r, k) => seqs.get(order[k]!)!.push(r.seq));
          });
        await Promise.all([...appendFrom(store, 'a'), ...appendFrom(other, 'b')]);
        const all = Array.from({ length: 2 * perStore }, (_, i) => i + 1);
        expect(seqs.get('ws1')!.sort((a, b) => a - b)).toEqual(all);
        expect(seqs.get('ws2')!.sort((a, b) => a - b)).toEqual(all);
        expect(await other.workspaceSeq('ws1')).toBe(2 * perStore);
        expect(await store.changedSince('ws2', 0)).toHaveLength(2 * perStore);
      });

      it('numbers one doc’s updates without a gap or a repeat, each store’s in its order, when two stores append at once', async () => {
        const stores = [store, await opened.another()];
        const [u] = textUpdates(1);
        const numbers = await Promise.all(
          stores.map(async (one) => {
            const mine: number[] = [];
            for (let i = 0; i < 25; i++) {
              const results = await one.append([
                { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
                { docId: 'ws1:a', workspaceId: 'ws1', update: u! },
              ]);
              mine.push(...results.map((r) => r.stored));
            }
            return mine;
          }),
        );
        expect(numbers.flat().sort((x, y) => x - y)).toEqual(
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        for (const mine of numbers) expect(mine).toEqual([...mine].sort((x, y) => x - y));
        expect((await stores[1]!.load('ws1:a'))!.updatesStored).toBe(100);
      });

      it('never lets a reader following changedSince skip a document while two stores append', async () => {
        // A later sequence number committing before an earlier one would be skipped by a
        // reader that moved its cursor past it: catch-up would miss that document.
        const other = await opened.another();
        const [u] = textUpdates(1);
        const written = new Set<string>();
        const seen = new Set<string>();
        let cursor = 0;
        let writing = true;
        const reader = (async () => {
          for (;;) {
            const done = !writing;
            for (const row of await store.changedSince('ws1', cursor)) {
              seen.add(row.docId);
              cursor = Math.max(cursor, row.seq);
            }
            if (done) return;
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        const writer = async (s: AsyncDocStore, tag: string) => {
          for (let i = 0; i < 60; i++) {
            const docId = `ws1:${tag}${i}`;
            await s.append([{ docId, workspaceId: 'ws1', update: u! }]);
            written.add(docId);
          }
        };
        await Promise.all([writer(store, 'a'), writer(other, 'b'), writer(store, 'c')]);
        writing = false;
        await reader;
        expect(written.size).toBe(180);
        expect([...written].filter((d) => !seen.has(d))).toEqual([]);
        expect(cursor).toBe(180);
      });

      it('loads on one store what another appended and compacted', async () => {
        const other = await opened.another();
        const [a, b] = textUpdates(2);
        const [row] = await other.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: a! }]);
        await other.compact('ws1:t', a!, row!.logId);
        await other.append([{ docId: 'ws1:t', workspaceId: 'ws1', update: b! }]);
        const stored = (await store.load('ws1:t'))!;
        expect(hex(stored.state!)).toBe(hex(a!));
        expect(stored.log.map(hex)).toEqual([hex(b!)]);
      });
    });
  });
}
