import { afterEach, describe, expect, it } from 'vitest';
import { docIds } from '@desk/model';
import { docItemKey, entryItemKey } from '@desk/protocol';
import { openDeskWorkspace } from '../../testing/deskWorkspace.ts';
import type { DeskWorkspace } from '$lib/desk/DeskWorkspace.svelte.ts';
import { DeviceTicketTexts } from './DeviceTicketTexts.ts';
import { LocalTicketSearch } from './LocalTicketSearch.ts';
import { ModeratedTextSearch } from './ModeratedTextSearch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/**
 * A desk (the real local replica) with two tickets and their comments, the device search over
 * it with every ticket doc read, and the moderated search the list attaches.
 */
async function deskWithThreads() {
  const { desk } = await openDeskWorkspace();
  cleanups.push(() => desk.destroy());
  const ws = desk.workspace!.id;
  const vpn = desk.createTicket({ title: 'VPN drops' }).id;
  const printer = desk.createTicket({ title: 'Printer jammed' }).id;
  comment(desk, vpn, 'c-bad', 'a slur nobody should read, zanzibar');
  comment(desk, vpn, 'c-ok', 'the tunnel drops every hour');
  comment(desk, printer, 'c-p', 'toner smudges on page two');
  const texts = new DeviceTicketTexts(desk.source, ws);
  const full = new LocalTicketSearch([desk.index.tickets], { texts, store: null, textDelayMs: 0 });
  cleanups.push(() => full.destroy());
  await full.ready;
  await full.sweep();
  const search = new ModeratedTextSearch(full, desk.disabled, texts, (id) =>
    desk.index.tickets.get(id),
  );
  const found = async (text: string) => [...(await search.search(text))].sort();
  return { desk, ws, vpn, printer, full, search, found };
}

function comment(desk: DeskWorkspace, ticketId: string, id: string, body: string): void {
  desk.withTicketDoc(ticketId, (t) => t.addComment({ id, kind: 'reply', body }, desk.actor, 10));
}

describe('ModeratedTextSearch (terms §4: disabled content is not searchable)', () => {
  it('finds nothing by words only in a disabled comment, and the ticket by its other words', async () => {
    const { desk, ws, vpn, full, found } = await deskWithThreads();
    // The device index holds every word of the replica, the disabled comment's too.
    expect([...(await full.search('zanzibar'))]).toEqual([vpn]);
    desk.disabled.apply([
      { itemKey: entryItemKey(docIds.ticket(ws, vpn), 'c-bad'), reason: 'Harassment' },
    ]);
    expect(await found('zanzibar')).toEqual([]);
    expect(await found('slur')).toEqual([]);
    // The rest of the ticket is searchable as before: its title, its other comment.
    expect(await found('tunnel')).toEqual([vpn]);
    expect(await found('vpn hour')).toEqual([vpn]);
    // Words of the disabled comment and of the rest together: not all in what is shown.
    expect(await found('tunnel zanzibar')).toEqual([]);
  });

  it('finds a disabled ticket by none of its words, and every other ticket as before', async () => {
    const { desk, ws, vpn, printer, found } = await deskWithThreads();
    desk.disabled.apply([{ itemKey: docItemKey(docIds.ticket(ws, vpn)), reason: 'Obscene' }]);
    expect(await found('tunnel')).toEqual([]);
    expect(await found('vpn')).toEqual([]);
    expect(await found('toner')).toEqual([printer]);
  });

  it('finds the content again once it is re-enabled, and tells the list to ask again on each change', async () => {
    const { desk, ws, vpn, search, found } = await deskWithThreads();
    let told = 0;
    cleanups.push(search.onChange(() => (told += 1)));
    desk.disabled.apply([
      { itemKey: entryItemKey(docIds.ticket(ws, vpn), 'c-bad'), reason: 'Harassment' },
    ]);
    expect(told).toBe(1);
    expect(await found('zanzibar')).toEqual([]);
    desk.disabled.apply([]);
    expect(told).toBe(2);
    expect(await found('zanzibar')).toEqual([vpn]);
  });

  it('reads the ticket again when a new comment arrives after the disabling', async () => {
    const { desk, ws, vpn, full, found } = await deskWithThreads();
    desk.disabled.apply([
      { itemKey: entryItemKey(docIds.ticket(ws, vpn), 'c-bad'), reason: 'Harassment' },
    ]);
    expect(await found('lantern')).toEqual([]);
    comment(desk, vpn, 'c-new', 'found the lantern in the server room');
    desk.index.tickets.touch(vpn, Date.now() + 1); // what posting a comment does to the ticket's row
    await full.sweep();
    expect(await found('lantern')).toEqual([vpn]);
    expect(await found('zanzibar')).toEqual([]);
  });
});
