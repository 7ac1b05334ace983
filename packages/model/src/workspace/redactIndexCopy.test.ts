import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { redactIndexCopy } from './redactIndexCopy.ts';
import { WorkspaceIndex } from './WorkspaceIndex.ts';

const WORDS = 'Access to this content is disabled.';
const ana: Actor = { id: 'ana', name: 'Ana' };

function indexWith() {
  const doc = new Y.Doc({ gc: true });
  const index = new WorkspaceIndex(doc);
  return { doc, index };
}

describe('redactIndexCopy', () => {
  it('writes the words over a disabled ticket’s and notice’s title (a notice’s excerpt emptied), and leaves the others', () => {
    const { doc, index } = indexWith();
    index.tickets.create({ id: 't1', title: 'Secret plan', number: 1 }, ana, 1);
    index.tickets.create({ id: 't2', title: 'Open ticket', number: 2 }, ana, 1);
    index.notices.create('n1', 'Secret notice', ana, 1);
    index.notices.update('n1', { excerpt: 'the secret body' }, 2);
    const changed = redactIndexCopy(doc, {
      row: (kind, id) => (id === 't1' || id === 'n1' ? `${WORDS} (${kind})` : null),
      mention: () => null,
    });
    expect(changed).toBe(true);
    expect(index.tickets.get('t1')?.title).toBe(`${WORDS} (ticket)`);
    expect(index.tickets.get('t2')?.title).toBe('Open ticket');
    expect(index.notices.get('n1')?.title).toBe(`${WORDS} (notice)`);
    expect(JSON.stringify(doc.getMap('notices').toJSON())).not.toContain('the secret body');
  });

  it('writes the words over the excerpt of a mention in disabled content', () => {
    const { doc, index } = indexWith();
    const mention = {
      userId: 'ana',
      byId: 'ben',
      byName: 'Ben',
      at: 1,
      excerpt: 'secret words',
    };
    index.mentions.add({
      ...mention,
      id: 'c1:ana',
      place: { kind: 'ticket', ticketId: 't1', commentId: 'c1' },
    });
    index.mentions.add({
      ...mention,
      id: 'm1:ana',
      place: { kind: 'channel', channelId: 'ch1', messageId: 'm1' },
    });
    redactIndexCopy(doc, {
      row: () => null,
      mention: (place) => (place.kind === 'ticket' && place.commentId === 'c1' ? WORDS : null),
    });
    const excerpts = Object.fromEntries(
      index.mentions.forUser('ana').map((m) => [m.id, m.excerpt]),
    );
    expect(excerpts).toEqual({ 'c1:ana': WORDS, 'm1:ana': 'secret words' });
  });

  it('keeps no trace of the replaced strings in the copy’s encoded state', () => {
    const { doc, index } = indexWith();
    index.tickets.create({ id: 't1', title: 'Secret plan', number: 1 }, ana, 1);
    redactIndexCopy(doc, { row: () => WORDS, mention: () => null });
    expect(Buffer.from(Y.encodeStateAsUpdate(doc)).toString('utf8')).not.toContain('Secret plan');
  });

  it('says nothing changed when nothing is disabled', () => {
    const { doc, index } = indexWith();
    index.tickets.create({ id: 't1', title: 'Open', number: 1 }, ana, 1);
    expect(redactIndexCopy(doc, { row: () => null, mention: () => null })).toBe(false);
  });
});
