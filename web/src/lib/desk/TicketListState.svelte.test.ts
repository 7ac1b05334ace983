import {
  ArchiveShard,
  DEFAULT_QUERY,
  docIds,
  moveToArchive,
  type TicketTextSearch,
} from '@desk/model';
import { docItemKey } from '@desk/protocol';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { openDeskWorkspace } from '../../testing/deskWorkspace.ts';
import { TicketListState } from './TicketListState.svelte.ts';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A started desk with three tickets, and the list state over it. */
async function listOfThree() {
  const { desk } = await openDeskWorkspace();
  cleanups.push(() => desk.destroy());
  const printer = desk.createTicket({ title: 'Printer jammed', tags: ['hardware'] });
  const vpn = desk.createTicket({ title: 'VPN drops', status: 'pending', tags: ['network'] });
  const laptop = desk.createTicket({ title: 'New laptop', assigneeId: 'u-ann' });
  const list = track(desk);
  return { desk, list, ids: { printer: printer.id, vpn: vpn.id, laptop: laptop.id } };
}

function track(desk: DeskWorkspace): TicketListState {
  const list = new TicketListState(desk);
  cleanups.push(() => list.destroy());
  return list;
}

const titles = (list: TicketListState) => list.rows.map((r) => r.title).sort();

describe('TicketListState', () => {
  it('lists every live ticket and the tags in use, sorted', async () => {
    const { list } = await listOfThree();
    expect(titles(list)).toEqual(['New laptop', 'Printer jammed', 'VPN drops']);
    expect(list.total).toBe(3);
    expect(list.tags).toEqual(['hardware', 'network']);
  });

  it('shows only the tickets the query matches: status, "mine", tag, text', async () => {
    const { list } = await listOfThree();
    list.setQuery({ statuses: ['pending'] });
    expect(titles(list)).toEqual(['VPN drops']);
    list.setQuery({ statuses: [], assignee: 'mine' });
    expect(titles(list)).toEqual(['New laptop']);
    list.setQuery({ assignee: 'any', tag: 'hardware' });
    expect(titles(list)).toEqual(['Printer jammed']);
    list.setQuery({ tag: '', text: 'vpn' });
    expect(titles(list)).toEqual(['VPN drops']);
  });

  it('sorts by the chosen field and direction', async () => {
    const { list } = await listOfThree();
    list.setQuery({ sort: 'title', direction: 'asc' });
    expect(list.rows.map((r) => r.title)).toEqual(['New laptop', 'Printer jammed', 'VPN drops']);
    list.setQuery({ direction: 'desc' });
    expect(list.rows.map((r) => r.title)).toEqual(['VPN drops', 'Printer jammed', 'New laptop']);
  });

  it('restores the last query when the list opens again in the same tab', async () => {
    const { desk, list } = await listOfThree();
    list.setQuery({ statuses: ['pending'], sort: 'title' });
    const reopened = track(desk);
    expect(reopened.query).toEqual({ ...DEFAULT_QUERY, statuses: ['pending'], sort: 'title' });
    expect(titles(reopened)).toEqual(['VPN drops']);
  });

  it('selects all, then none, and drops from the selection a ticket the filter hides', async () => {
    const { list, ids } = await listOfThree();
    list.selectAll();
    expect(list.selected.size).toBe(3);
    list.selectAll();
    expect(list.selected.size).toBe(0);
    list.toggle(ids.printer);
    list.toggle(ids.vpn);
    list.setQuery({ statuses: ['pending'] });
    expect([...list.selected]).toEqual([ids.vpn]);
  });

  it('changes every selected ticket at once, and they leave a list they no longer match', async () => {
    const { list, ids, desk } = await listOfThree();
    list.setQuery({ statuses: ['open'] });
    list.toggle(ids.printer);
    list.toggle(ids.laptop);
    const batches: string[][] = [];
    const stop = desk.index.tickets.observe((changed) => batches.push([...changed]));
    list.bulkUpdate({ status: 'solved' });
    stop();
    // One index transaction: lists pass over the changed rows once, not once per ticket.
    expect(batches.map((b) => b.sort())).toEqual([[ids.printer, ids.laptop].sort()]);
    expect(desk.index.tickets.get(ids.printer)?.status).toBe('solved');
    expect(desk.index.tickets.get(ids.laptop)?.status).toBe('solved');
    expect(list.rows).toEqual([]);
    expect(list.selected.size).toBe(0);
  });

  it('moves deleted tickets to the trash and counts only live ones', async () => {
    const { list, ids } = await listOfThree();
    list.toggle(ids.vpn);
    list.bulkDelete(true);
    expect(titles(list)).toEqual(['New laptop', 'Printer jammed']);
    expect(list.total).toBe(2);
    list.setQuery({ deleted: true });
    expect(titles(list)).toEqual(['VPN drops']);
  });

  it('applies a saved view, and a later change of query leaves the view', async () => {
    const { list } = await listOfThree();
    list.setQuery({ tag: 'network' });
    const view = list.saveView('Network', false);
    const seen: (string | null)[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(list.activeViewId);
      });
    });
    flushSync();
    expect(list.myViews.map((v) => v.name)).toEqual(['Network']);
    list.setQuery({ tag: '' });
    flushSync();
    list.applyView(view);
    flushSync();
    stop();
    expect(titles(list)).toEqual(['VPN drops']);
    expect(seen).toEqual([view.id, null, view.id]);
  });

  it('says which archived months are not loaded, and merges them once loaded', async () => {
    const { desk, list, ids } = await listOfThree();
    // The printer ticket was solved long ago and archived by some device.
    const longAgo = Date.UTC(2026, 0, 15);
    const row = desk.index.tickets.map.get(ids.printer)!;
    desk.index.doc.transact(() => {
      row.set('number', 101);
      row.set('status', 'solved');
      row.set('updatedAt', longAgo);
    });
    const handle = desk.source.open(docIds.archive(desk.workspace!.id, '2026-01'));
    cleanups.push(() => handle.release());
    await handle.whenLoaded;
    moveToArchive(desk.index, new ArchiveShard(handle.doc, '2026-01'), [ids.printer], Date.now());

    flushSync();
    expect(titles(list)).toEqual(['New laptop', 'VPN drops']);
    expect(list.archivedNotLoaded).toEqual(['2026-01']);
    await list.loadArchive();
    expect(list.archivedNotLoaded).toEqual([]);
    expect(titles(list)).toEqual(['New laptop', 'Printer jammed', 'VPN drops']);
    expect(list.tags).toEqual(['hardware', 'network']);

    // Changing an archived ticket brings it back into the hot index first.
    list.toggle(ids.printer);
    list.bulkUpdate({ status: 'open' });
    expect(desk.index.tickets.get(ids.printer)?.status).toBe('open');
    expect(desk.archive.find(ids.printer)).toBeNull();
    expect(titles(list)).toEqual(['New laptop', 'Printer jammed', 'VPN drops']);
  });

  it('finds a ticket the operator disabled by its number only, not by its hidden title (terms §4)', async () => {
    const { desk, list, ids } = await listOfThree();
    const printer = desk.index.tickets.get(ids.printer)!;
    list.setQuery({ text: 'printer' });
    expect(titles(list)).toEqual(['Printer jammed']);
    desk.disabled.apply([
      { itemKey: docItemKey(docIds.ticket(desk.workspace!.id, ids.printer)), reason: 'Obscene' },
    ]);
    expect(titles(list)).toEqual([]);
    // Its number, as the row shows it (a pending one here: the test desk has no number pool).
    list.setQuery({
      text: printer.number === null ? printer.provisionalNumber : `#${printer.number}`,
    });
    expect(list.rows.map((r) => r.id)).toEqual([ids.printer]);
    list.setQuery({ text: 'printer' });
    desk.disabled.apply([]);
    expect(titles(list)).toEqual(['Printer jammed']);
  });

  it('lets an attached full-text search answer the text, dropping stale answers', async () => {
    const { list, ids } = await listOfThree();
    const asked: string[] = [];
    const answers = new Map<string, (ids: ReadonlySet<string>) => void>();
    let changed = () => {};
    const search: TicketTextSearch = {
      search: (text) => {
        asked.push(text);
        return new Promise((resolve) => answers.set(text, resolve));
      },
      onChange: (listener) => {
        changed = listener;
        return () => (changed = () => {});
      },
    };
    const detach = list.attachTextSearch(search);
    list.setQuery({ text: 'toner' });
    // Nothing in the small fields says toner; the full-text answer is awaited.
    expect(titles(list)).toEqual([]);
    list.setQuery({ text: 'cable' });
    answers.get('toner')!(new Set([ids.printer]));
    await Promise.resolve();
    expect(titles(list)).toEqual([]);
    answers.get('cable')!(new Set([ids.laptop]));
    await Promise.resolve();
    expect(titles(list)).toEqual(['New laptop']);
    // The search index changed (a ticket doc was indexed): the list asks again.
    changed();
    expect(asked).toEqual(['toner', 'cable', 'cable']);
    answers.get('cable')!(new Set([ids.laptop, ids.vpn]));
    await Promise.resolve();
    expect(titles(list)).toEqual(['New laptop', 'VPN drops']);
    detach();
    expect(titles(list)).toEqual([]);
  });
});
