import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WorkspaceIndex, INDEX_SCHEMA_VERSION } from '../workspace/WorkspaceIndex.ts';
import { ensureSchema, schemaVersionOf } from './SchemaVersion.ts';

const ana = { id: 'ana', name: 'Ana' };

describe('schema versions', () => {
  it('writes nothing to an empty document (a fresh device before its first sync)', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    expect(new WorkspaceIndex(doc).ensureSchema()).toBe('empty');
    expect(updates).toEqual([]);
    expect(schemaVersionOf(doc)).toBe(0);
  });

  it('stamps a document that holds content with the current version', () => {
    const doc = new Y.Doc();
    new WorkspaceIndex(doc).tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    expect(new WorkspaceIndex(doc).ensureSchema()).toBe('migrated');
    expect(schemaVersionOf(doc)).toBe(INDEX_SCHEMA_VERSION);
    expect(new WorkspaceIndex(doc).ensureSchema()).toBe('current');
  });

  it('migrates an unversioned index written by a raw tool into the current shape', () => {
    const doc = new Y.Doc();
    const raw = new Y.Map<unknown>();
    raw.set('title', 'From a bot');
    raw.set('tags', 'VPN, Urgent-Care ,');
    raw.set('status', 'on-hold');
    doc.getMap('tickets').set('t1', raw);

    const index = new WorkspaceIndex(doc);
    expect(index.ensureSchema()).toBe('migrated');
    const ticket = index.tickets.get('t1')!;
    expect(ticket.tags).toEqual(['vpn', 'urgent-care']);
    expect(ticket.status).toBe('on_hold');
    expect(ticket.priority).toBe('normal');
    expect(ticket.number).toBeNull();
  });

  it('leaves a document from a newer app version alone and says so', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('schemaVersion', 99);
    expect(ensureSchema(doc, 1, [])).toBe('future');
    expect(schemaVersionOf(doc)).toBe(99);
  });

  it('converges when two replicas migrate the same old document at once', () => {
    const a = new Y.Doc();
    const raw = new Y.Map<unknown>();
    raw.set('title', 'Old');
    raw.set('tags', 'a,b');
    a.getMap('tickets').set('t1', raw);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));

    new WorkspaceIndex(a).ensureSchema();
    new WorkspaceIndex(b).ensureSchema();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));

    expect(new WorkspaceIndex(a).tickets.get('t1')).toEqual(
      new WorkspaceIndex(b).tickets.get('t1'),
    );
    expect(new WorkspaceIndex(a).tickets.get('t1')!.tags).toEqual(['a', 'b']);
  });
});
