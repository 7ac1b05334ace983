import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_QUERY } from '../query/TicketQuery.ts';
import { TicketList } from '../query/TicketList.ts';
import { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import { rewriteIndex } from './rewriteIndex.ts';

// An open page switches to a newer generation in place (SPEC IDX-GEN-2): the same
// WorkspaceIndex reads and writes the new doc, and what observes it follows.

const ana = { id: 'ana', name: 'Ana' };
const T0 = Date.UTC(2026, 10, 3);

describe('WorkspaceIndex.switchTo', () => {
  it('IDX-GEN-2 moves a list over the index to the newer generation in place, keeping its query', () => {
    const g1 = new Y.Doc();
    const index = new WorkspaceIndex(g1);
    for (let i = 1; i <= 3; i += 1) {
      index.tickets.create({ id: `t${i}`, title: `Printer ${i}`, number: i }, ana, T0 + i);
    }
    index.notices.create('n1', 'Office closed', ana, T0);
    const { nextState } = rewriteIndex(g1);
    const g2 = new Y.Doc();
    Y.applyUpdate(g2, nextState);
    // Written in generation 2 only (by a device already there): a new row, a changed one.
    const there = new WorkspaceIndex(g2);
    there.tickets.create({ id: 't4', title: 'Printer 4', number: 4 }, ana, T0 + 4);
    there.tickets.update('t2', { status: 'solved' }, T0 + 5);
    there.tickets.remove('t3');

    const list = new TicketList(index.tickets, { ...DEFAULT_QUERY, text: 'printer' }, ana.id);
    list.setQuery({ ...list.query, statuses: ['new'] });
    const seen: string[][] = [];
    const offList = list.subscribe((rows) => seen.push(rows.map((r) => r.id)));
    let notices = 0;
    const offNotices = index.notices.observe(() => (notices += 1));
    seen.length = 0;

    index.switchTo(g2);

    expect(index.doc).toBe(g2);
    expect(list.query).toMatchObject({ text: 'printer', statuses: ['new'] });
    expect(list.rows.map((r) => r.id).sort()).toEqual(['t1', 't4']);
    expect(seen.length).toBeGreaterThan(0);
    expect(notices).toBe(1);
    expect(index.tickets.byNumber(4)?.id).toBe('t4');
    expect(index.tickets.byNumber(3)).toBeNull();
    // Writes go to generation 2, and its changes reach the list; generation 1 is left alone.
    index.tickets.update('t1', { status: 'open' }, T0 + 6);
    expect(new WorkspaceIndex(g2).tickets.get('t1')?.status).toBe('open');
    expect(new WorkspaceIndex(g1).tickets.get('t1')?.status).toBe('new');
    expect(list.rows.map((r) => r.id)).toEqual(['t4']);
    new WorkspaceIndex(g1).tickets.update('t2', { title: 'Old copy' }, T0 + 7);
    expect(list.get('t2')?.title).toBe('Printer 2');
    offList();
    offNotices();
    list.destroy();
  });
});
