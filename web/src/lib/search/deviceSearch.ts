import type { TicketRecord, TicketTextSearch } from '@desk/model';
import { searchTickets } from '$lib/api/searchApi.ts';
import { backgroundTurn, createBackgroundTurn } from '$lib/offline/backgroundTurn.ts';
import type { DeskWorkspace } from '$lib/desk/DeskWorkspace.svelte.ts';
import { DeviceTicketTexts } from './DeviceTicketTexts.ts';
import { LocalTicketSearch } from './LocalTicketSearch.ts';
import { ModeratedTextSearch } from './ModeratedTextSearch.ts';
import { SearchStore } from './SearchStore.ts';

interface Open {
  readonly search: LocalTicketSearch;
  readonly close: () => Promise<void>;
}

/**
 * The list re-searches when the device's answer grew only after a second without typing
 * (each keystroke searches the grown index itself), so rows do not move under a query
 * being typed (issue 15's keystroke target counted such late moves).
 */
const afterTypingPause = createBackgroundTurn({
  target: typeof window === 'undefined' ? undefined : window,
  quietMs: 1000,
  maxWaitMs: 30_000,
});

/** Every device search of this tab, so a workspace's removal can close them first. */
const open = new Map<DeskWorkspace, Open>();

/**
 * The device search of an open workspace (created on first use, after the desk is ready):
 * the hot index and every archive shard loaded, the ticket docs of the replica, the index
 * kept in IndexedDB, and the server for tickets not on this device. One per open workspace
 * (DeskWorkspace), so the list, board and a return to the list share it.
 */
export function deviceSearchOf(desk: DeskWorkspace): LocalTicketSearch {
  const known = open.get(desk);
  if (known) return known.search;
  const workspaceId = desk.workspace!.id;
  const store = new SearchStore(desk.me!.id, workspaceId);
  const search = new LocalTicketSearch([desk.index.tickets, ...desk.archive.shards()], {
    texts: new DeviceTicketTexts(desk.source, workspaceId),
    store,
    server: (text, signal) => searchTickets(desk.slug, text, signal),
    pause: backgroundTurn,
    beforeTelling: afterTypingPause,
  });
  const offShards = desk.archive.onLoaded((shard) => search.addSource(shard));
  // A closed tab keeps what was indexed since the last write.
  const onHide = () => void search.flush().catch(() => undefined);
  addEventListener('pagehide', onHide);
  const close = async () => {
    open.delete(desk);
    removeEventListener('pagehide', onHide);
    offShards();
    search.destroy();
    await search.flush().catch(() => undefined); // the last changes, then the database closes
    await store.close();
  };
  open.set(desk, { search, close });
  return search;
}

/**
 * `full` with what the operator disabled left out (terms §4, issue 17): what the list and the
 * board attach, so words only in a disabled ticket or comment find nothing. `record` is the
 * list's record of a ticket (a ticket with disabled comments still matches by its record).
 */
export function moderatedSearchOf(
  desk: DeskWorkspace,
  full: TicketTextSearch,
  record: (ticketId: string) => TicketRecord | null,
): TicketTextSearch {
  return new ModeratedTextSearch(
    full,
    desk.disabled,
    new DeviceTicketTexts(desk.source, desk.workspace!.id),
    record,
  );
}

/** Closes the workspace's device search (the workspace app is left). */
export function closeDeviceSearch(desk: DeskWorkspace): Promise<void> {
  return open.get(desk)?.close() ?? Promise.resolve();
}

/** Closes every device search of this tab (before its databases are deleted). */
export async function closeAllDeviceSearches(): Promise<void> {
  await Promise.all([...open.values()].map((entry) => entry.close()));
}
