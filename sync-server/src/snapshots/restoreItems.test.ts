import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docContent, stableStringify } from './docContent.ts';
import { randomEdits, rootsOf } from '../testing/randomEdits.ts';
import { changedItems, itemDigest, type ItemPath } from './restoreItems.ts';
import { seededRandom } from '@desk/protocol/testing';
import { snapshotOps } from './snapshotOps.ts';

const docFrom = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
};
const stateOf = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc);
const contentKey = (doc: Y.Doc) => stableStringify(docContent(doc));
const apply = (doc: Y.Doc, update: Uint8Array | null) => {
  if (update) Y.applyUpdate(doc, update);
};

function ticketIndex(rows: Record<string, Record<string, unknown>>): Y.Doc {
  const doc = new Y.Doc();
  const tickets = doc.getMap<unknown>('tickets');
  for (const [id, fields] of Object.entries(rows)) {
    const row = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(fields)) row.set(key, value);
    tickets.set(id, row);
  }
  return doc;
}

/** Whether one path is the other or lies inside it. */
const overlaps = (a: ItemPath, b: ItemPath) =>
  a.slice(0, b.length).join('\u0000') === b.slice(0, a.length).join('\u0000');

describe('restore items', () => {
  it('records the fields of an entry a restore changed, and whole entries it added or removed', () => {
    const before = ticketIndex({
      t1: { title: 'Printer', status: 'solved', priority: 'low' },
      t2: { title: 'Created later' },
    });
    const after = ticketIndex({ t1: { title: 'Printer', status: 'open', priority: 'low' } });
    const items = changedItems(before, after);
    expect(items.map((i) => i.path)).toEqual([
      ['tickets', 't1', 'status'],
      ['tickets', 't2'],
    ]);
    expect(items[0]!.after).toBe(itemDigest(after, ['tickets', 't1', 'status']));
    expect(items[1]!.after).toBeNull();
  });

  it('treats an emptied root as one never written, whichever way the doc was read', () => {
    const written = new Y.Doc();
    written.getXmlFragment('description').insert(0, [new Y.XmlElement('paragraph')]);
    written.getXmlFragment('description').delete(0, 1);
    const decoded = docFrom(stateOf(written)); // its root is untyped: Yjs cannot tell
    expect(itemDigest(written, ['description'])).toBeNull();
    expect(itemDigest(decoded, ['description'])).toBeNull();
    expect(changedItems(written, new Y.Doc())).toEqual([]);
  });

  it('undoes only the fields the restore changed and nobody changed since', () => {
    const snapshot = ticketIndex({ t1: { status: 'open', priority: 'low', title: 'Printer' } });
    const server = ticketIndex({});
    apply(server, stateOf(snapshot));
    const row = () => server.getMap('tickets').get('t1') as Y.Map<unknown>;
    row().set('status', 'solved');
    row().set('title', 'Printer fixed');
    const preRestore = stateOf(server);

    const restore = snapshotOps.recordedRestore(preRestore, stateOf(snapshot), { kind: 'doc' });
    expect(restore.items.map((i) => i.path.join('/'))).toEqual([
      'tickets/t1/status',
      'tickets/t1/title',
    ]);
    apply(server, restore.update);
    row().set('priority', 'high'); // a field the restore did not change
    row().set('title', 'Printer fixed (fuser)'); // one it did

    const undo = snapshotOps.undoItems(stateOf(server), preRestore, restore.items);
    expect(undo.undone.map((i) => restore.items[i]!.path.join('/'))).toEqual(['tickets/t1/status']);
    expect(undo.leftAlone.map((i) => restore.items[i]!.path.join('/'))).toEqual([
      'tickets/t1/title',
    ]);
    apply(server, undo.update);
    expect(row().toJSON()).toEqual({
      status: 'solved',
      priority: 'high',
      title: 'Printer fixed (fuser)',
    });
  });

  it('is the exact inverse of a restore nobody edited after, for random docs', () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const random = seededRandom(5000 + seed);
      const doc = new Y.Doc();
      rootsOf(doc).keep.insert(0, 'steady');
      randomEdits(doc, random, 30);
      const snapshot = stateOf(doc);
      randomEdits(doc, random, 1 + random.int(30));
      const preRestore = stateOf(doc);

      const restore = snapshotOps.recordedRestore(preRestore, snapshot, { kind: 'doc' });
      apply(doc, restore.update);
      expect(contentKey(doc), `seed ${seed}`).toBe(contentKey(docFrom(snapshot)));
      const undo = snapshotOps.undoItems(stateOf(doc), preRestore, restore.items);
      expect(undo.leftAlone, `seed ${seed}`).toEqual([]);
      apply(doc, undo.update);
      expect(contentKey(doc), `seed ${seed}`).toBe(contentKey(docFrom(preRestore)));
    }
  });

  it('puts back untouched items, keeps edits made after the restore, and touches nothing else, for random docs', () => {
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = seededRandom(9000 + seed);
      const server = new Y.Doc();
      rootsOf(server).keep.insert(0, 'steady');
      randomEdits(server, random, 30);
      const snapshot = stateOf(server);
      randomEdits(server, random, 1 + random.int(30));
      const preRestore = stateOf(server);
      // An offline replica edits the pre-restore content; its edits arrive after the restore.
      const offline = docFrom(preRestore);
      randomEdits(offline, random, 1 + random.int(8));

      const restore = snapshotOps.recordedRestore(preRestore, snapshot, { kind: 'doc' });
      apply(server, restore.update);
      apply(server, Y.encodeStateAsUpdate(offline));
      const beforeUndo = docFrom(stateOf(server));

      const undo = snapshotOps.undoItems(stateOf(server), preRestore, restore.items);
      apply(server, undo.update);
      const pre = docFrom(preRestore);
      const undonePaths = undo.undone.map((i) => restore.items[i]!.path);
      for (const path of undonePaths) {
        expect(itemDigest(server, path), `seed ${seed} ${path.join('/')}`).toBe(
          itemDigest(pre, path),
        );
      }
      for (const i of undo.leftAlone) {
        const path = restore.items[i]!.path;
        expect(itemDigest(server, path), `seed ${seed} ${path.join('/')}`).toBe(
          itemDigest(beforeUndo, path),
        );
      }
      for (const { path } of changedItems(beforeUndo, server)) {
        expect(
          undonePaths.some((undone) => overlaps(undone, path)),
          `seed ${seed}: ${path.join('/')} changed by the undo but not by the restore`,
        ).toBe(true);
      }
    }
  });
});
