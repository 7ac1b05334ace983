import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TicketIndex } from '@desk/model';
import { ChangedWhileAway } from './ChangedWhileAway.ts';

const actor = { id: 'u1', name: 'Ana' };

/** Two replicas of one index: `mine` is watched, `theirs` is another user's device. */
function setup(hadLocalCopy = true) {
  const mine = new Y.Doc();
  const theirs = new Y.Doc();
  new TicketIndex(theirs).create({ id: 't1', title: 'One', number: 1 }, actor, 1);
  new TicketIndex(theirs).create({ id: 't2', title: 'Two', number: 2 }, actor, 1);
  Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs), 'server');
  let marked: ReadonlySet<string> = new Set();
  const tracker = new ChangedWhileAway(new TicketIndex(mine), hadLocalCopy, (ids) => {
    marked = new Set(ids);
  });
  const fromServer = () =>
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs, Y.encodeStateVector(mine)), 'server');
  return { mine, theirs, tracker, fromServer, marked: () => marked };
}

describe('ChangedWhileAway', () => {
  it('marks tickets others changed while this device was offline', () => {
    const { theirs, tracker, fromServer, marked } = setup();
    tracker.connection('synced');
    tracker.connection('offline');
    new TicketIndex(theirs).update('t2', { title: 'Two, changed' }, 2);
    tracker.connection('syncing');
    fromServer();
    tracker.connection('synced');
    expect([...marked()]).toEqual(['t2']);
  });

  it('does not mark changes made on this device, nor live changes while online', () => {
    const { mine, theirs, tracker, fromServer, marked } = setup();
    tracker.connection('synced');
    new TicketIndex(mine).update('t1', { title: 'Mine' }, 2);
    new TicketIndex(theirs).update('t2', { title: 'Live' }, 2);
    fromServer();
    expect(marked().size).toBe(0);
  });

  it('IDX-GEN-2 marks nothing for a switch to another index generation, and follows the tickets there', () => {
    const mine = new Y.Doc();
    new TicketIndex(mine).create({ id: 't1', title: 'One', number: 1 }, actor, 1);
    const tickets = new TicketIndex(mine);
    let marked: ReadonlySet<string> = new Set();
    const tracker = new ChangedWhileAway(tickets, true, (ids) => (marked = new Set(ids)));
    tracker.connection('offline');
    // The newer generation, as it reaches this device (a remote update), then the switch.
    const next = new Y.Doc();
    const server = new Y.Doc();
    new TicketIndex(server).create({ id: 't1', title: 'One', number: 1 }, actor, 1);
    new TicketIndex(server).create({ id: 't2', title: 'Two', number: 2 }, actor, 1);
    Y.applyUpdate(next, Y.encodeStateAsUpdate(server), 'server');
    tickets.switchTo(next);
    expect(marked.size).toBe(0);
    // Someone changes t2 in the newer generation while this device is still away.
    new TicketIndex(server).update('t2', { title: 'Two, changed' }, 2);
    Y.applyUpdate(next, Y.encodeStateAsUpdate(server, Y.encodeStateVector(next)), 'server');
    expect([...marked]).toEqual(['t2']);
  });

  it('marks nothing on a first visit, when everything arrives at once', () => {
    const mine = new Y.Doc();
    const theirs = new Y.Doc();
    new TicketIndex(theirs).create({ id: 't1', title: 'One', number: 1 }, actor, 1);
    let marked: ReadonlySet<string> = new Set();
    new ChangedWhileAway(new TicketIndex(mine), false, (ids) => (marked = ids));
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs), 'server');
    expect(marked.size).toBe(0);
  });

  it('forgets a ticket once seen, and all on dismiss', () => {
    const { theirs, tracker, fromServer, marked } = setup();
    tracker.connection('offline');
    new TicketIndex(theirs).update('t1', { title: 'x' }, 2);
    new TicketIndex(theirs).update('t2', { title: 'y' }, 2);
    fromServer();
    tracker.seen('t1');
    expect([...marked()]).toEqual(['t2']);
    tracker.dismissAll();
    expect(marked().size).toBe(0);
  });
});
