import { describe, expect, it } from 'vitest';
import { docIds } from '@desk/model';
import { blobItemKey, docItemKey, entryItemKey, type DisabledItemEntry } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { DisabledItems, type DisabledItemsKeeper } from './DisabledItems.svelte.ts';

const WS = 'ws1';
const SHA = 'a'.repeat(64);

function keptIn(map: Map<string, DisabledItemEntry[]>): DisabledItemsKeeper {
  return {
    read: () => Promise.resolve(map.get(WS) ?? null),
    write: (items) => {
      map.set(WS, [...items]);
      return Promise.resolve();
    },
  };
}

const ticketOff = (reason: string): DisabledItemEntry => ({
  itemKey: docItemKey(docIds.ticket(WS, 't1')),
  reason,
});

/** A server answer the test settles when it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('DisabledItems', () => {
  it('names the reason of each kind of disabled item, and null for the rest', async () => {
    const disabled = new DisabledItems();
    await disabled.start(WS, keptIn(new Map()), () =>
      Promise.resolve([
        ticketOff('Harassment'),
        { itemKey: docItemKey(docIds.notice(WS, 'n1')), reason: 'Propaganda' },
        { itemKey: entryItemKey(docIds.ticket(WS, 't2'), 'c1'), reason: 'Obscene' },
        { itemKey: entryItemKey(docIds.channel(WS, 'ch1'), 'm1'), reason: 'Privacy' },
        { itemKey: blobItemKey(SHA), reason: 'IP notice 42' },
      ]),
    );
    await until(() => disabled.size === 5, 'the server list');
    expect(disabled.ticket('t1')).toBe('Harassment');
    expect(disabled.notice('n1')).toBe('Propaganda');
    expect(disabled.comment('t2', 'c1')).toBe('Obscene');
    expect(disabled.message('ch1', 'm1')).toBe('Privacy');
    expect(disabled.attachment(SHA)).toBe('IP notice 42');
    expect(disabled.ticket('t2')).toBeNull();
    expect(disabled.comment('t2', 'c2')).toBeNull();
    expect(disabled.message('ch1', 'm2')).toBeNull();
    expect(disabled.attachment('b'.repeat(64))).toBeNull();
  });

  it('shows the kept list before the server answers, offline too', async () => {
    const kept = new Map([[WS, [ticketOff('Kept reason')]]]);
    const disabled = new DisabledItems();
    await disabled.start(WS, keptIn(kept), () => Promise.reject(new Error('offline')));
    expect(disabled.ticket('t1')).toBe('Kept reason');
  });

  it("keeps every list the server sends, and the server's answer replaces the kept one", async () => {
    const kept = new Map([[WS, [ticketOff('Old')]]]);
    const answer = deferred<DisabledItemEntry[]>();
    const disabled = new DisabledItems();
    await disabled.start(WS, keptIn(kept), () => answer.promise);
    expect(disabled.ticket('t1')).toBe('Old');
    answer.resolve([]);
    await until(() => disabled.ticket('t1') === null, 're-enabled on the server');
    expect(kept.get(WS)).toEqual([]);
    disabled.apply([ticketOff('Pushed live')]);
    expect(disabled.ticket('t1')).toBe('Pushed live');
    await until(() => kept.get(WS)?.length === 1, 'the pushed list kept');
  });

  it('a list pushed while the kept one is still being read is not overwritten by it', async () => {
    const read = deferred<DisabledItemEntry[] | null>();
    const disabled = new DisabledItems();
    const started = disabled.start(
      WS,
      { read: () => read.promise, write: () => Promise.resolve() },
      () => new Promise(() => undefined),
    );
    disabled.apply([]);
    read.resolve([ticketOff('Stale')]);
    await started;
    expect(disabled.ticket('t1')).toBeNull();
  });

  it('hides a ticket the server refused as disabled at once, and asks for the list again', async () => {
    let asked = 0;
    const disabled = new DisabledItems();
    await disabled.start(WS, keptIn(new Map()), () => {
      asked += 1;
      return Promise.resolve(asked === 1 ? [] : [ticketOff('From the list')]);
    });
    await until(() => asked === 1, 'first answer');
    disabled.refusedDoc(docIds.ticket(WS, 't1'), 'From the refusal');
    expect(disabled.ticket('t1')).toBe('From the refusal');
    await until(() => disabled.ticket('t1') === 'From the list', 'the list asked again');
  });
});
