import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TicketIndex, type TicketRecord } from '@desk/model';
import type { TicketSearchHit } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { LocalTicketIndex, SEARCH_INDEX_VERSION, type SearchSnapshot } from './LocalTicketIndex.ts';
import { LocalTicketSearch, type TicketTexts } from './LocalTicketSearch.ts';
import { deleteWorkspaceReplica } from '$lib/offline/forget.ts';
import { searchDbName } from '$lib/offline/localKeys.ts';
import { SearchStore } from './SearchStore.ts';

const actor = { id: 'u1', name: 'Ana' };
let open: { destroy(): void; close?(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open) {
    thing.destroy();
    await thing.close?.();
  }
  open = [];
});

/** Ticket docs' text as a device holds them; counts reads. */
class FakeTexts implements TicketTexts {
  readonly texts = new Map<string, string>();
  reads: string[] = [];
  async held(): Promise<ReadonlySet<string>> {
    return new Set(this.texts.keys());
  }
  async read(ticketId: string): Promise<string> {
    this.reads.push(ticketId);
    return this.texts.get(ticketId) ?? '';
  }
}

function desk(): TicketIndex {
  return new TicketIndex(new Y.Doc());
}

function create(
  index: TicketIndex,
  id: string,
  title: string,
  number: number,
  now = 1,
): TicketRecord {
  return index.create(
    {
      id,
      title,
      number,
      requester: { name: 'Bo Berg', email: 'bo@example.com' },
      tags: ['billing'],
    },
    actor,
    now,
  );
}

function start(
  index: TicketIndex,
  texts: TicketTexts,
  options: { store?: SearchStore | null; server?: (q: string) => Promise<TicketSearchHit[]> } = {},
): LocalTicketSearch {
  const search = new LocalTicketSearch([index], {
    texts,
    store: options.store ?? null,
    ...(options.server ? { server: (q: string) => options.server!(q) } : {}),
    textDelayMs: 0,
    saveDelayMs: 0,
    serverDelayMs: 0,
  });
  open.push(search);
  return search;
}

const found = async (search: LocalTicketSearch, text: string) =>
  [...(await search.search(text))].sort();

describe('LocalTicketSearch', () => {
  it('finds tickets by every word of title, number, requester, tags and ticket text; the last word as a prefix', async () => {
    const index = desk();
    const texts = new FakeTexts();
    create(index, 't1', 'Printer jams', 101);
    create(index, 't2', 'Laptop battery', 102);
    texts.texts.set('t1', 'The paper tray is misaligned');
    const search = start(index, texts);
    await search.ready;
    await search.sweep();
    expect(await found(search, 'printer')).toEqual(['t1']);
    expect(await found(search, 'prin')).toEqual(['t1']);
    expect(await found(search, 'printer tray misal')).toEqual(['t1']);
    expect(await found(search, '#102')).toEqual(['t2']);
    expect(await found(search, 'bo@example.com billing')).toEqual(['t1', 't2']);
    expect(await found(search, 'laptop tray')).toEqual([]);
    expect(await found(search, '  ')).toEqual([]);
  });

  it('follows record changes and re-reads a changed ticket’s text', async () => {
    const index = desk();
    const texts = new FakeTexts();
    create(index, 't1', 'Printer jams', 1);
    texts.texts.set('t1', 'first words');
    const search = start(index, texts);
    await search.ready;
    await search.sweep();
    index.update('t1', { title: 'Scanner jams' }, 5);
    expect(await found(search, 'scanner')).toEqual(['t1']);
    expect(await found(search, 'printer')).toEqual([]);

    texts.texts.set('t1', 'second words');
    index.touch('t1', 6); // what refreshTicketSummary does after a description edit
    await until(async () => (await found(search, 'second')).length === 1, 'the new text indexed');
    expect(await found(search, 'first')).toEqual([]);
  });

  it('leaves the text of tickets whose doc is not on the device to the server', async () => {
    const index = desk();
    const texts = new FakeTexts();
    create(index, 't1', 'Held', 1);
    create(index, 't2', 'Not held', 2);
    texts.texts.set('t1', 'alpha');
    const search = start(index, texts);
    await search.sweep();
    expect(texts.reads).toEqual(['t1']);
    expect(search.isOnDevice('t1')).toBe(true);
    expect(search.isOnDevice('t2')).toBe(false);
  });

  it('reads many held ticket docs per pause for background work, not one', async () => {
    const index = desk();
    const texts = new FakeTexts();
    index.doc.transact(() => {
      for (let i = 1; i <= 300; i++) {
        create(index, `t${i}`, `Ticket ${i}`, i);
        texts.texts.set(`t${i}`, `body ${i} mentions the warehouse`);
      }
    });
    let pauses = 0;
    const search = new LocalTicketSearch([index], {
      texts,
      store: null,
      textDelayMs: 0,
      saveDelayMs: 0,
      // A pause is an idle callback in the browser, ~20 a second when chained: one per doc
      // made 5,000 docs take minutes. A slice longer than this test's reads: no pause.
      readSliceMs: 60_000,
      pause: () => ((pauses += 1), Promise.resolve()),
    });
    open.push(search);
    await search.ready;
    const before = pauses;
    await search.sweep();
    expect(texts.reads).toHaveLength(300);
    expect(pauses - before).toBe(0);
    expect((await found(search, 'warehouse')).length).toBe(300);
  });

  it('restores the index after a reload without reading the ticket docs again', async () => {
    const index = desk();
    const texts = new FakeTexts();
    for (let i = 1; i <= 30; i++) {
      create(index, `t${i}`, `Ticket ${i}`, i);
      texts.texts.set(`t${i}`, `body of ticket ${i} about invoices`);
    }
    const first = start(index, texts, { store: new SearchStore('u1', 'ws-reload') });
    await first.sweep();
    await first.flush();
    expect(texts.reads).toHaveLength(30);

    const again = new FakeTexts();
    for (const [id, text] of texts.texts) again.texts.set(id, text);
    const store = new SearchStore('u1', 'ws-reload');
    open.push({ destroy: () => undefined, close: () => store.close() });
    const second = start(index, again, { store });
    await second.sweep();
    expect(again.reads).toEqual([]);
    expect(await found(second, 'invoices 17')).toEqual(['t17']);
  });

  it('rebuilds from the ticket docs when the stored index is of another format', async () => {
    const index = desk();
    const texts = new FakeTexts();
    create(index, 't1', 'Old format', 1);
    texts.texts.set('t1', 'words');
    const store = new SearchStore('u1', 'ws-format');
    open.push({ destroy: () => undefined, close: () => store.close() });
    // The MiniSearch format of version 1: JSON strings where this version has term arrays.
    const stale = {
      version: SEARCH_INDEX_VERSION - 1,
      fields: '{}',
      text: '{}',
      tickets: [],
    } as unknown as SearchSnapshot;
    await store.save(stale);
    const search = start(index, texts, { store });
    await search.sweep();
    expect(texts.reads).toEqual(['t1']);
    await search.flush();
    expect((await store.load())?.version).toBe(SEARCH_INDEX_VERSION);
  });

  it('tells the list its answer grew only once beforeTelling allows (the user paused typing), once for every notice meanwhile', async () => {
    const index = desk();
    const texts = new FakeTexts();
    let release: () => void = () => undefined;
    let waits = 0;
    const search = new LocalTicketSearch([index], {
      texts,
      store: null,
      textDelayMs: 0,
      saveDelayMs: 0,
      beforeTelling: () => {
        waits += 1;
        return new Promise((resolve) => (release = resolve));
      },
    });
    open.push(search);
    release(); // the start's notice
    await search.ready;
    let told = 0;
    search.onChange(() => (told += 1));
    create(index, 't1', 'Printer jams', 101);
    create(index, 't2', 'Laptop battery', 102);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(told).toBe(0); // still typing
    // A keystroke meanwhile searches the grown index all the same.
    expect(await found(search, 'printer')).toEqual(['t1']);
    const waitsBefore = waits;
    release();
    await until(() => told === 1, 'the list told');
    expect(waits).toBe(waitsBefore); // the second change joined the waiting notice
  });

  it('keeps what the server finds apart from the device answer, which alone moves the list', async () => {
    const index = desk();
    const texts = new FakeTexts();
    create(index, 't1', 'Local ticket', 1);
    const asked: string[] = [];
    const search = start(index, texts, {
      server: async (q) => {
        asked.push(q);
        return [
          { ticketId: 't1', number: 1, title: 'Local ticket', snippet: 'the refund' },
          { ticketId: 'far', number: 900, title: 'Archived refund', snippet: 'a refund in 2024' },
        ];
      },
    });
    await search.ready;
    let listChanges = 0;
    let serverAnswers = 0;
    search.onChange(() => (listChanges += 1));
    search.onServerAnswer(() => (serverAnswers += 1));
    expect(await found(search, 'refund')).toEqual([]); // the device knows no refund
    expect(search.serverAnswer('refund')).toEqual({ state: 'asking' });
    await until(() => serverAnswers > 0, 'the server answer');
    expect(asked).toEqual(['refund']);
    // The list's answer is the device's alone, and the list is not told to ask again.
    expect(await found(search, 'refund')).toEqual([]);
    expect(listChanges).toBe(0);
    const answer = search.serverAnswer('refund');
    expect(answer?.state).toBe('answered');
    const hits = answer?.state === 'answered' ? answer.hits : [];
    // Each hit says whether its record is here (t1: text not read yet) or not (far: archived).
    expect(hits.map((hit) => [hit.ticketId, hit.record?.title ?? null])).toEqual([
      ['t1', 'Local ticket'],
      ['far', null],
    ]);
    expect(search.serverAnswer('   ')).toBeNull(); // no words: nothing asked
  });

  it('says when the server could not be searched', async () => {
    const index = desk();
    const search = start(index, new FakeTexts(), {
      server: async () => {
        throw new Error('offline');
      },
    });
    await search.ready;
    let serverAnswers = 0;
    search.onServerAnswer(() => (serverAnswers += 1));
    await found(search, 'printer');
    await until(() => serverAnswers > 0, 'the failed server answer');
    expect(search.serverAnswer('printer')).toEqual({ state: 'unavailable' });
  });

  it('keeps its database under the user’s prefix; losing the workspace deletes it, also while open', async () => {
    const store = new SearchStore('u9', 'ws9');
    open.push({ destroy: () => undefined, close: () => store.close() });
    await store.save(LocalTicketIndex.empty().snapshot());
    expect(searchDbName('u9', 'ws9')).toBe('desk:u:u9:search:ws9');
    const names = async () => (await indexedDB.databases()).map((db) => db.name);
    expect(await names()).toContain('desk:u:u9:search:ws9');
    await deleteWorkspaceReplica('u9', 'ws9', 'team-9');
    await until(async () => !(await names()).includes('desk:u:u9:search:ws9'), 'the index deleted');
    await expect(store.load()).rejects.toThrow();
  });
});
