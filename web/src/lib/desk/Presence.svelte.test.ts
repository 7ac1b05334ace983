import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { IndexPresence, TicketPresence } from './Presence.svelte.ts';
import { userColor } from './userColor.ts';

/**
 * Tabs whose awareness reaches each other as over the socket: every change of one tab is
 * encoded with y-protocols and applied to the others.
 */
class Tabs {
  readonly all: Awareness[] = [];
  tab(): Awareness {
    const awareness = new Awareness(new Y.Doc());
    awareness.on(
      'update',
      ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>) => {
        const update = encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed]);
        for (const other of this.all)
          if (other !== awareness) applyAwarenessUpdate(other, update, 'remote');
      },
    );
    for (const other of this.all) {
      applyAwarenessUpdate(awareness, encodeAwarenessUpdate(other, [other.clientID]), 'remote');
    }
    this.all.push(awareness);
    return awareness;
  }
  destroy(): void {
    for (const awareness of this.all) awareness.destroy();
  }
}

const ann = { id: 'u-ann', name: 'Ann', color: userColor('u-ann') };
const bob = { id: 'u-bob', name: 'Bob', color: userColor('u-bob') };
const cy = { id: 'u-cy', name: 'Cy', color: userColor('u-cy') };

let tabs: Tabs;
beforeEach(() => (tabs = new Tabs()));
afterEach(() => {
  vi.useRealTimers();
  tabs.destroy();
});

describe('IndexPresence', () => {
  it('lists the other users online once each, however many tabs they have, never me', () => {
    const mine = new IndexPresence(tabs.tab(), ann);
    new IndexPresence(tabs.tab(), ann); // my second tab
    new IndexPresence(tabs.tab(), bob);
    new IndexPresence(tabs.tab(), bob);
    new IndexPresence(tabs.tab(), cy);

    expect(mine.online.map((u) => u.name).sort()).toEqual(['Bob', 'Cy']);
  });

  it('says who views which ticket, and follows a user to another ticket', () => {
    const mine = new IndexPresence(tabs.tab(), ann);
    const bobs = new IndexPresence(tabs.tab(), bob);
    const cys = new IndexPresence(tabs.tab(), cy);

    bobs.setViewing('t1');
    cys.setViewing('t1');
    expect(
      mine.viewersByTicket
        .get('t1')
        ?.map((u) => u.name)
        .sort(),
    ).toEqual(['Bob', 'Cy']);

    bobs.setViewing('t2');
    expect(mine.viewersByTicket.get('t1')?.map((u) => u.name)).toEqual(['Cy']);
    expect(mine.viewersByTicket.get('t2')?.map((u) => u.name)).toEqual(['Bob']);
  });

  it('drops a user whose tab closed (its state removed)', () => {
    const mine = new IndexPresence(tabs.tab(), ann);
    const bobs = new IndexPresence(tabs.tab(), bob);
    bobs.setViewing('t1');
    expect(mine.online.map((u) => u.name)).toEqual(['Bob']);

    bobs.destroy();
    expect(mine.online).toEqual([]);
    expect(mine.viewersByTicket.get('t1')).toBeUndefined();
  });

  it("gives a tab that announced no colour its user's derived colour, and ignores one without a user", () => {
    const mine = new IndexPresence(tabs.tab(), ann);
    tabs.tab().setLocalState({ user: { id: 'u-dee', name: 'Dee' }, viewing: null });
    tabs.tab().setLocalState({ viewing: 't1' }); // a stock provider's tab: no user
    expect(mine.online).toEqual([
      expect.objectContaining({ id: 'u-dee', name: 'Dee', color: userColor('u-dee') }),
    ]);
    expect(mine.viewersByTicket.size).toBe(0);
  });
});

describe('TicketPresence', () => {
  it('shows who has the ticket open and who types in the reply box, once per user', () => {
    const mine = new TicketPresence(tabs.tab(), ann);
    const bobs = new TicketPresence(tabs.tab(), bob);
    new TicketPresence(tabs.tab(), bob); // Bob's second tab, not typing
    expect(mine.viewers).toEqual([expect.objectContaining({ name: 'Bob', typing: null })]);

    bobs.typing('note');
    expect(mine.viewers).toEqual([expect.objectContaining({ name: 'Bob', typing: 'note' })]);
    bobs.stopTyping();
    expect(mine.viewers).toEqual([expect.objectContaining({ name: 'Bob', typing: null })]);
  });

  it('stops showing "typing" 4 s after the last keystroke, not before', () => {
    vi.useFakeTimers();
    const mine = new TicketPresence(tabs.tab(), ann);
    const bobs = new TicketPresence(tabs.tab(), bob);

    bobs.typing('reply');
    vi.advanceTimersByTime(3_000);
    bobs.typing('reply'); // another keystroke: the 4 s start again
    vi.advanceTimersByTime(3_999);
    expect(mine.viewers[0]?.typing).toBe('reply');
    vi.advanceTimersByTime(1);
    expect(mine.viewers[0]?.typing).toBeNull();
  });

  it('leaves with the page: the others no longer see me', () => {
    const mine = new TicketPresence(tabs.tab(), ann);
    const bobs = new TicketPresence(tabs.tab(), bob);
    expect(mine.viewers.map((v) => v.name)).toEqual(['Bob']);
    bobs.destroy();
    expect(mine.viewers).toEqual([]);
  });
});
