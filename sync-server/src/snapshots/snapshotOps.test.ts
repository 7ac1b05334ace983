import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshotOps } from './snapshotOps.ts';

/** An index doc's state with these ticket rows, as an older version stored it. */
function indexState(version: number | null, rows: Record<string, Record<string, unknown>>) {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const [id, fields] of Object.entries(rows)) {
      const row = new Y.Map<unknown>();
      for (const [key, value] of Object.entries(fields)) row.set(key, value);
      doc.getMap('tickets').set(id, row);
    }
    if (version !== null) doc.getMap('meta').set('schemaVersion', version);
  });
  return Y.encodeStateAsUpdate(doc);
}

describe('snapshot index views (read through @desk/model, whatever layout was stored)', () => {
  it('lists the tickets of a schema-0 index as the model reads them', () => {
    const state = indexState(null, {
      a: { title: 'Printer', status: 'On-Hold', number: 3 },
      b: { status: 'open', number: 9, deleted: true },
    });
    expect(snapshotOps.indexContents(state).tickets).toEqual([
      { id: 'b', number: 9, title: '(untitled)', status: 'open', deleted: true },
      { id: 'a', number: 3, title: 'Printer', status: 'on_hold', deleted: false },
    ]);
  });

  it('shows a schema-1 row without the search text the current layout dropped', () => {
    const then = indexState(1, {
      t1: { title: 'Screen', status: 'open', number: 1, searchText: 'screen …' },
    });
    const now = indexState(2, { t1: { title: 'Screen flickers', status: 'open', number: 1 } });
    expect(snapshotOps.entry(then, 'tickets', 't1')).toEqual({
      title: 'Screen',
      status: 'open',
      number: 1,
    });
    const diff = snapshotOps.indexDiff(then, now, { tickets: [], notices: [] });
    expect(diff.tickets.changed).toEqual([
      {
        before: { id: 't1', number: 1, title: 'Screen', status: 'open', deleted: false },
        after: { id: 't1', number: 1, title: 'Screen flickers', status: 'open', deleted: false },
        fields: ['title'],
        contentChanged: false,
      },
    ]);
  });
});
