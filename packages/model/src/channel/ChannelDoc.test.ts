import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ModelError } from '../ModelError.ts';
import { ChannelIndex } from '../workspace/ChannelIndex.ts';
import { ChannelDoc } from './ChannelDoc.ts';

const ana = { id: 'ana', name: 'Ana' };

describe('channels', () => {
  it('posts a message once per client-made id, in time order', () => {
    const channel = new ChannelDoc(new Y.Doc());
    channel.post({ id: 'm2', body: 'second' }, ana, 2);
    channel.post({ id: 'm1', body: 'first' }, ana, 1);
    channel.post({ id: 'm1', body: 'first' }, ana, 3);
    expect(channel.list().map((m) => m.body)).toEqual(['first', 'second']);
  });

  it('normalises names, refuses duplicates, renames and archives', () => {
    const index = new ChannelIndex(new Y.Doc());
    expect(index.create('c1', '#Support Tier 2', ana, 1).name).toBe('support-tier-2');
    expect(() => index.create('c2', 'support tier 2', ana, 1)).toThrow(ModelError);
    index.rename('c1', 'help');
    index.setArchived('c1', true);
    expect(index.get('c1')).toMatchObject({ name: 'help', archived: true });
  });

  it('moves the last-message time forward only', () => {
    const index = new ChannelIndex(new Y.Doc());
    index.create('c1', 'general', ana, 1);
    index.noteMessage('c1', 10);
    index.noteMessage('c1', 5);
    expect(index.get('c1')!.lastMessageAt).toBe(10);
  });
});
