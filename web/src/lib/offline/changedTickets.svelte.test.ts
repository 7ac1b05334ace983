import { TicketIndex } from '@desk/model';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ChangedWhileAway } from './ChangedWhileAway.ts';
import { changedTickets } from './changedTickets.svelte.ts';

const actor = { id: 'u1', name: 'Ana' };

/** The tab's list of changed tickets fed by a real tracker, as the status bar wires them. */
function wired() {
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  new TicketIndex(theirs).create({ id: 't1', title: 'One', number: 1 }, actor, 1);
  new TicketIndex(theirs).create({ id: 't2', title: 'Two', number: 2 }, actor, 1);
  Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs), 'server');
  const tracker = new ChangedWhileAway(new TicketIndex(mine), true, (ids) =>
    changedTickets.update(ids),
  );
  changedTickets.attach(tracker);
  const changedWhileOffline = (...ids: string[]) => {
    tracker.connection('offline');
    for (const id of ids) new TicketIndex(theirs).update(id, { title: `${id}, changed` }, 2);
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs, Y.encodeStateVector(mine)), 'server');
    tracker.connection('synced');
  };
  return { tracker, changedWhileOffline };
}

afterEach(() => changedTickets.attach(null));

describe('changedTickets (the list highlights of the open workspace)', () => {
  it('highlights the tickets the tracker found changed while away', () => {
    const { changedWhileOffline } = wired();
    changedWhileOffline('t2');
    expect(changedTickets.has('t2')).toBe(true);
    expect(changedTickets.has('t1')).toBe(false);
  });

  it('drops a ticket once opened, and all of them on dismiss', () => {
    const { changedWhileOffline } = wired();
    changedWhileOffline('t1', 't2');
    changedTickets.seen('t1');
    expect([...changedTickets.ids]).toEqual(['t2']);
    changedTickets.dismissAll();
    expect(changedTickets.ids.size).toBe(0);
  });

  it('forgets everything when the workspace closes', () => {
    const { changedWhileOffline } = wired();
    changedWhileOffline('t1');
    changedTickets.attach(null);
    expect(changedTickets.ids.size).toBe(0);
    changedTickets.seen('t1'); // nothing attached: no effect, no error
  });
});
