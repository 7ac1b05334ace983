import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ModelError } from '../ModelError.ts';
import { WorkspaceIndex } from './WorkspaceIndex.ts';

const ana = { id: 'ana', name: 'Ana' };

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
}

describe('TicketIndex', () => {
  it('creates a ticket with validated defaults', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    const ticket = index.tickets.create({ id: 't1', title: ' VPN down ', number: 7 }, ana, 1000);
    expect(ticket).toMatchObject({
      id: 't1',
      number: 7,
      title: 'VPN down',
      status: 'new',
      priority: 'normal',
      type: 'question',
      assigneeId: null,
      tags: [],
      createdAt: 1000,
      updatedAt: 1000,
      createdBy: 'ana',
      deleted: false,
    });
  });

  it('stores no field that is at its default, and reads it back as the default', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'Small', number: 1 }, ana, 1);
    const row = index.doc.getMap<Y.Map<unknown>>('tickets').get('t1')!;
    expect([...row.keys()].sort()).toEqual(
      [
        'createdAt',
        'createdBy',
        'number',
        'priority',
        'status',
        'title',
        'type',
        'updatedAt',
      ].sort(),
    );
    expect(index.tickets.get('t1')).toMatchObject({ tags: [], dueDate: null, commentCount: 0 });
    // Setting a field to its default is no change; leaving the default is one.
    expect(index.tickets.update('t1', { tags: [], dueDate: null, assigneeId: null }, 2)).toEqual(
      [],
    );
    expect(index.tickets.setDeleted('t1', false, 2)).toEqual([]);
    expect(index.tickets.update('t1', { tags: ['vpn'] }, 3)).toEqual([
      { field: 'tags', from: [], to: ['vpn'] },
    ]);
  });

  it('treats a repeated create with the same id as the same ticket', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    index.tickets.create({ id: 't1', title: 'Other', number: 2 }, ana, 2);
    expect(index.tickets.size).toBe(1);
    expect(index.tickets.get('t1')!.title).toBe('One');
  });

  it('reports only the fields that really changed and bumps updatedAt', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    const changes = index.tickets.update('t1', { title: 'One', status: 'open', tags: ['X'] }, 5);
    expect(changes).toEqual([
      { field: 'status', from: 'new', to: 'open' },
      { field: 'tags', from: [], to: ['x'] },
    ]);
    expect(index.tickets.get('t1')!.updatedAt).toBe(5);
    expect(index.tickets.update('t1', { status: 'open' }, 9)).toEqual([]);
    expect(index.tickets.get('t1')!.updatedAt).toBe(5);
  });

  it('refuses invalid values without writing anything', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    expect(() =>
      index.tickets.update('t1', { status: 'open', priority: 'asap' as never }, 2),
    ).toThrow(ModelError);
    expect(index.tickets.get('t1')!.status).toBe('new');
  });

  it('soft-deletes and restores', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    expect(index.tickets.setDeleted('t1', true, 2)).toEqual([
      { field: 'deleted', from: false, to: true },
    ]);
    expect(index.tickets.get('t1')!.deleted).toBe(true);
    index.tickets.setDeleted('t1', false, 3);
    expect(index.tickets.get('t1')!.deleted).toBe(false);
  });

  it('resolves concurrent edits of one field the same way on every replica', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    new WorkspaceIndex(a).tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    sync(a, b);
    new WorkspaceIndex(a).tickets.update('t1', { status: 'pending' }, 2);
    new WorkspaceIndex(b).tickets.update('t1', { status: 'solved', priority: 'high' }, 2);
    sync(a, b);
    const ta = new WorkspaceIndex(a).tickets.get('t1')!;
    const tb = new WorkspaceIndex(b).tickets.get('t1')!;
    expect(ta).toEqual(tb);
    // Different fields both survive; the same field has one deterministic winner.
    expect(ta.priority).toBe('high');
    expect(['pending', 'solved']).toContain(ta.status);
  });

  it('tells observers which tickets changed, not the whole set', () => {
    const doc = new Y.Doc();
    const index = new WorkspaceIndex(doc);
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    index.tickets.create({ id: 't2', title: 'Two', number: 2 }, ana, 1);
    const seen: string[][] = [];
    const stop = index.tickets.observe((ids) => seen.push([...ids]));
    index.tickets.update('t2', { status: 'open' }, 2);
    index.tickets.create({ id: 't3', title: 'Three', number: 3 }, ana, 3);
    stop();
    index.tickets.update('t1', { status: 'open' }, 4);
    expect(seen).toEqual([['t2'], ['t3']]);
  });

  it('lists pending tickets oldest first and assigns a number once', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 'b', title: 'Later', number: null }, ana, 5);
    index.tickets.create({ id: 'a', title: 'Earlier', number: null }, ana, 3);
    expect(index.tickets.pendingNumbers().map((t) => t.id)).toEqual(['a', 'b']);
    expect(index.tickets.assignNumber('a', 40)).toHaveLength(1);
    expect(index.tickets.assignNumber('a', 41)).toEqual([]);
    expect(index.tickets.get('a')!.number).toBe(40);
    expect(index.tickets.byNumber(40)!.id).toBe('a');
  });

  it('finds a ticket by number as numbers are assigned, synced in and moved out', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 'a', title: 'A', number: 1 }, ana, 1);
    index.tickets.create({ id: 'p', title: 'Pending', number: null }, ana, 2);
    expect(index.tickets.byNumber(1)!.id).toBe('a');
    expect(index.tickets.byNumber(2)).toBeNull();
    index.tickets.assignNumber('p', 2);
    expect(index.tickets.byNumber(2)!.id).toBe('p');
    const other = new WorkspaceIndex(new Y.Doc());
    other.tickets.create({ id: 'b', title: 'From another device', number: 3 }, ana, 3);
    sync(index.doc, other.doc);
    expect(index.tickets.byNumber(3)!.id).toBe('b');
    index.tickets.remove('a');
    expect(index.tickets.byNumber(1)).toBeNull();
  });
});
