import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoredIndex } from './StoredIndex.ts';
import { WorkspaceIndex } from './WorkspaceIndex.ts';

/** An index doc with these rows and schema version, as an older version stored it. */
function storedIndex(
  version: number | null,
  tickets: Record<string, Record<string, unknown>>,
  notices: Record<string, Record<string, unknown>> = {},
): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const [root, rows] of [
      ['tickets', tickets],
      ['notices', notices],
    ] as const) {
      for (const [id, fields] of Object.entries(rows)) {
        const row = new Y.Map<unknown>();
        for (const [key, value] of Object.entries(fields)) row.set(key, value);
        doc.getMap(root).set(id, row);
      }
    }
    if (version !== null) doc.getMap('meta').set('schemaVersion', version);
  });
  return doc;
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

describe('StoredIndex', () => {
  it('reads a schema-0 row as the index migrations would leave it, without writing to the doc', () => {
    const doc = storedIndex(null, {
      a: { title: 'Printer', status: 'On-Hold', tags: 'Billing, urgent ,', createdAt: 5 },
      b: { title: 'Scanner', status: 42, number: 7, priority: 'high' },
      c: { title: 'Fax', status: 'waiting on customer', type: 'incident', deleted: true },
    });
    const before = Y.encodeStateVector(doc);
    const stored = new StoredIndex(doc);

    const migrated = new WorkspaceIndex(copyOf(doc));
    expect(migrated.ensureSchema()).toBe('migrated');
    for (const id of ['a', 'b', 'c']) {
      expect(stored.ticket(id), id).toEqual(migrated.tickets.get(id));
    }
    expect(stored.ticket('a')).toMatchObject({
      status: 'on_hold',
      tags: ['billing', 'urgent'],
      updatedAt: 5,
    });
    expect(stored.schemaVersion).toBe(0);
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });

  it('reads a schema-1 row without its search text, which the current layout no longer keeps', () => {
    const doc = storedIndex(1, {
      t1: { title: 'Screen flickers', status: 'open', number: 12, searchText: 'screen flickers …' },
    });
    const stored = new StoredIndex(doc);
    expect(stored.fields('tickets', 't1')).toEqual({
      title: 'Screen flickers',
      status: 'open',
      number: 12,
    });
    expect(stored.ticket('t1')).toMatchObject({ id: 't1', number: 12, status: 'open' });
    expect(stored.ids('tickets')).toEqual(['t1']);
    expect(stored.fields('tickets', 'missing')).toBeNull();
    expect(stored.ticket('missing')).toBeNull();
  });

  it('reads notice rows through the model’s reader', () => {
    const doc = storedIndex(2, {}, { n1: { title: 'Holiday hours', pinned: true } });
    const stored = new StoredIndex(doc);
    expect(stored.ids('notices')).toEqual(['n1']);
    expect(stored.notice('n1')).toMatchObject({ id: 'n1', title: 'Holiday hours', deleted: false });
    expect(stored.notice('n2')).toBeNull();
  });
});
