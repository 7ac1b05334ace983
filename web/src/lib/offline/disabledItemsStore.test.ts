import { describe, expect, it } from 'vitest';
import { docIds } from '@desk/model';
import { docItemKey, type DisabledItemEntry } from '@desk/protocol';
import { readDisabledItems, writeDisabledItems } from './disabledItemsStore.ts';

const WS = 'ws1';
const ticketOff = (reason: string): DisabledItemEntry => ({
  itemKey: docItemKey(docIds.ticket(WS, 't1')),
  reason,
});

describe('the device copy of a workspace’s disabled list', () => {
  it('is kept in IndexedDB per user and workspace', async () => {
    await writeDisabledItems('u1', WS, [ticketOff('Stored')]);
    expect(await readDisabledItems('u1', WS)).toEqual([ticketOff('Stored')]);
    expect(await readDisabledItems('u1', 'other')).toBeNull();
    expect(await readDisabledItems('u2', WS)).toBeNull();
  });
});
