import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ChannelDoc } from '@desk/model';
import { newChannelMessages } from './channelMessages.ts';

const actor = { id: 'u1', name: 'Ana' };

/** The update a change to `doc` makes. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array = new Uint8Array();
  const take = (u: Uint8Array) => (update = u);
  doc.on('update', take);
  change();
  doc.off('update', take);
  return update;
}

describe('newChannelMessages (SPEC LIMIT-10)', () => {
  it('LIMIT-10 counts posts, not edits, deletions, repeats or what the server already has', () => {
    const doc = new Y.Doc();
    const channel = new ChannelDoc(doc);
    const none = () => 0;
    const one = updateOf(doc, () => channel.post({ id: 'm1', body: 'hi' }, actor, 1));
    expect(newChannelMessages(Y.decodeUpdate(one), none)).toBe(1);
    const two = updateOf(doc, () =>
      doc.transact(() => {
        channel.post({ id: 'm2', body: 'a' }, actor, 2);
        channel.post({ id: 'm3', body: 'b' }, actor, 3);
      }),
    );
    expect(newChannelMessages(Y.decodeUpdate(two), none)).toBe(2);
    const edit = updateOf(doc, () => channel.edit('m1', 'hello', actor, 4));
    expect(newChannelMessages(Y.decodeUpdate(edit), none)).toBe(0);
    // A step 2 repeating everything: nothing is new for a server that has it all.
    const all = Y.decodeUpdate(Y.encodeStateAsUpdate(doc));
    expect(newChannelMessages(all, none)).toBe(3);
    expect(newChannelMessages(all, (client) => Y.getState(doc.store, client))).toBe(0);
  });
});
