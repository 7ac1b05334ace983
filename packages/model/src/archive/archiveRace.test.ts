import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import { ArchiveShard } from './ArchiveShard.ts';
import { dropStaleArchived, keepEditsFromArchiving } from './archiveRace.ts';
import { archiveMonthOf, moveToArchive } from './archiving.ts';

const ana = { id: 'ana', name: 'Ana' };
const DAY = 24 * 60 * 60 * 1000;
const closedAt = Date.UTC(2026, 10, 3);
const now = Date.UTC(2027, 0, 20);
const month = archiveMonthOf({ updatedAt: closedAt });

const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** One device: its replica of the index and of the shard, guarded against the race. */
function device(clientID: number, clock: () => number = () => now) {
  const indexDoc = new Y.Doc();
  indexDoc.clientID = clientID;
  const shardDoc = new Y.Doc();
  shardDoc.clientID = clientID;
  const index = new WorkspaceIndex(indexDoc);
  const shard = new ArchiveShard(shardDoc, month);
  const kept: string[] = [];
  stops.push(
    keepEditsFromArchiving(
      index,
      clock,
      (id) => shard.has(id),
      (record) => kept.push(record.id),
    ),
  );
  return { index, shard, kept };
}

type Device = ReturnType<typeof device>;

/** Both ways, both docs, until nothing is left to send (a repair is a change of its own). */
function sync(a: Device, b: Device): void {
  for (let round = 0; round < 3; round++) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      // The shard first, as the archiver writes it and the server forwards it.
      Y.applyUpdate(
        to.shard.doc,
        Y.encodeStateAsUpdate(from.shard.doc, Y.encodeStateVector(to.shard.doc)),
      );
      Y.applyUpdate(
        to.index.doc,
        Y.encodeStateAsUpdate(from.index.doc, Y.encodeStateVector(to.index.doc)),
      );
    }
  }
}

/** Ana's and Ben's devices, both holding a ticket closed two months before `now`. */
function twoDevices(anaClock?: () => number) {
  const anaDevice = device(1, anaClock);
  const benDevice = device(2);
  anaDevice.index.tickets.create(
    { id: 't1', title: 'Printer jammed', number: 7, status: 'closed' },
    ana,
    closedAt,
  );
  sync(anaDevice, benDevice);
  return { anaDevice, benDevice };
}

/** Where the ticket is on a device: the hot index, the shard, both or neither. */
function places(d: Device): string[] {
  return [d.index.tickets.get('t1') ? 'hot' : '', d.shard.has('t1') ? 'shard' : ''].filter(Boolean);
}

describe('an edit while another device archives the ticket', () => {
  it('keeps the edit: the editing device puts the ticket back, and every replica agrees', () => {
    const { anaDevice, benDevice } = twoDevices();
    // At the same time: Ben's device archives the ticket, Ana reopens it with a new title.
    moveToArchive(benDevice.index, benDevice.shard, ['t1'], now);
    anaDevice.index.tickets.update('t1', { title: 'Printer jammed again', status: 'open' }, now);
    expect(places(benDevice)).toEqual(['shard']);

    sync(anaDevice, benDevice);

    expect(anaDevice.kept).toEqual(['t1']); // Ana's device saw its edit being removed
    for (const d of [anaDevice, benDevice]) {
      const hot = d.index.tickets.get('t1');
      expect(hot?.title).toBe('Printer jammed again');
      expect(hot?.status).toBe('open');
      expect(hot?.updatedAt).toBe(now);
    }
    expect(anaDevice.index.doc.getMap('tickets').toJSON()).toEqual(
      benDevice.index.doc.getMap('tickets').toJSON(),
    );

    // The shard's stale copy goes wherever a device holds both: one place in the end.
    expect(dropStaleArchived(benDevice.index, benDevice.shard, now)).toBe(1);
    sync(anaDevice, benDevice);
    expect(places(anaDevice)).toEqual(['hot']);
    expect(places(benDevice)).toEqual(['hot']);
  });

  it('keeps an edit made offline, seen when that device syncs after the archiving', () => {
    const { anaDevice, benDevice } = twoDevices();
    anaDevice.index.tickets.update('t1', { priority: 'high' }, now - DAY); // offline
    moveToArchive(benDevice.index, benDevice.shard, ['t1'], now);
    // Ben's device gets Ana's edit after its removal: the edit lands in the removed map.
    Y.applyUpdate(benDevice.index.doc, Y.encodeStateAsUpdate(anaDevice.index.doc));
    expect(places(benDevice)).toEqual(['shard']);
    expect(benDevice.kept).toEqual([]); // Ben's device cannot tell

    sync(anaDevice, benDevice); // Ana's device comes back online and sees the removal

    expect(benDevice.index.tickets.get('t1')?.priority).toBe('high');
    dropStaleArchived(anaDevice.index, anaDevice.shard, now);
    sync(anaDevice, benDevice);
    expect(places(benDevice)).toEqual(['hot']);
  });

  it('leaves an ordinary archiving alone, and a move half done', () => {
    const { anaDevice, benDevice } = twoDevices();
    moveToArchive(benDevice.index, benDevice.shard, ['t1'], now);
    // Ana's device has the shard's copy but not yet the index's removal: not stale.
    Y.applyUpdate(anaDevice.shard.doc, Y.encodeStateAsUpdate(benDevice.shard.doc));
    expect(dropStaleArchived(anaDevice.index, anaDevice.shard, now)).toBe(0);
    sync(anaDevice, benDevice);
    expect(anaDevice.kept).toEqual([]);
    expect(places(anaDevice)).toEqual(['shard']);
    expect(places(benDevice)).toEqual(['shard']);
  });

  it('leaves a row removed on purpose (a restore or its undo) removed, edited or not', () => {
    const { anaDevice, benDevice } = twoDevices();
    // Ana reopens the ticket; Ben's device (a restore's undo) removes its row, no shard.
    anaDevice.index.tickets.update('t1', { title: 'Printer jammed again', status: 'open' }, now);
    sync(anaDevice, benDevice);
    benDevice.index.tickets.remove('t1');
    sync(anaDevice, benDevice);
    expect(anaDevice.kept).toEqual([]);
    expect(places(anaDevice)).toEqual([]);
    expect(places(benDevice)).toEqual([]);
  });

  it('does not put back a ticket archived by a device whose clock is a little ahead', () => {
    const benNow = closedAt + 30 * DAY; // 30 days on Ben's clock: archivable there
    // Ana's clock is six hours behind: 29.75 days, not archivable by her own reckoning.
    const { anaDevice, benDevice } = twoDevices(() => benNow - 6 * 60 * 60 * 1000);
    moveToArchive(benDevice.index, benDevice.shard, ['t1'], benNow);
    sync(anaDevice, benDevice);
    expect(anaDevice.kept).toEqual([]);
    expect(places(anaDevice)).toEqual(['shard']);
  });
});
