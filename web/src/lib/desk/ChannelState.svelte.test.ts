import { readKey } from '@desk/model';
import { blobItemKey } from '@desk/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openDeskWorkspace, rememberIdentity } from '../../testing/deskWorkspace.ts';
import { ChannelState } from './ChannelState.svelte.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A started desk with one channel, open once the local copy of its messages is loaded. */
async function openChannel(identity = rememberIdentity()) {
  const { desk } = await openDeskWorkspace(identity);
  cleanups.push(() => desk.destroy());
  desk.index.channels.create('c1', 'general', desk.actor, 1_000);
  const channel = new ChannelState(desk, 'c1');
  cleanups.push(() => channel.destroy());
  await channel.handle.whenLoaded;
  return { desk, channel };
}

const file = (sha256: string, name: string) => ({
  id: `f-${name}`,
  sha256,
  name,
  type: 'image/png',
  size: 10,
  uploadedBy: 'u-ann',
  uploadedAt: 1,
});

describe('ChannelState', () => {
  it('posts a message once, however often the same draft is sent, and notes it in the index', async () => {
    const { desk, channel } = await openChannel();
    expect(channel.post('m1', 'Standup in 5', [], [])).toBe(true);
    expect(channel.post('m1', 'Standup in 5', [], [])).toBe(true);
    expect(channel.messages.map((m) => m.body)).toEqual(['Standup in 5']);
    expect(desk.index.channels.get('c1')?.lastMessageAt).toBe(channel.messages[0]?.createdAt);
    expect(channel.error).toBeNull();
  });

  it('marks the channel read up to its last message', async () => {
    const { desk, channel } = await openChannel();
    channel.post('m1', 'Hello', [], []);
    expect(desk.user.readAt(readKey.channel('c1'))).toBe(channel.messages.at(-1)?.createdAt);
  });

  it('tells each mentioned member through the index, never the author', async () => {
    const { desk, channel } = await openChannel();
    channel.post('m1', '@Bo and @Ann: lunch?', ['u-bo', 'u-ann'], []);
    expect(desk.index.mentions.forUser('u-bo')).toEqual([
      expect.objectContaining({
        byId: 'u-ann',
        place: { kind: 'channel', channelId: 'c1', messageId: 'm1' },
        excerpt: '@Bo and @Ann: lunch?',
      }),
    ]);
    expect(desk.index.mentions.forUser('u-ann')).toEqual([]);
  });

  it('refuses to post, with words, where the workspace is read-only for me', async () => {
    const { channel } = await openChannel(rememberIdentity('viewer', true));
    expect(channel.post('m1', 'Hello', [], [])).toBe(false);
    expect(channel.error).toMatch(/read-only/);
    expect(channel.messages).toEqual([]);
  });

  it('never sends again a file whose access the operator disabled (terms §4)', async () => {
    const { desk, channel } = await openChannel();
    const off = file('b'.repeat(64), 'leak.png');
    desk.disabled.apply([{ itemKey: blobItemKey(off.sha256), reason: 'IP notice 42' }]);
    expect(channel.post('m1', 'See attached', [], [off])).toBe(false);
    expect(channel.error).not.toBeNull();
    expect(channel.messages).toEqual([]);
    expect(channel.post('m2', 'See attached', [], [file('a'.repeat(64), 'fine.png')])).toBe(true);
  });

  it('renames and archives through the index, with the model’s words for a bad name', async () => {
    const { channel } = await openChannel();
    expect(channel.rename('support')).toBe(true);
    expect(channel.record?.name).toBe('support');
    expect(channel.rename('')).toBe(false);
    expect(channel.error).not.toBeNull();
    channel.setArchived(true);
    expect(channel.record?.archived).toBe(true);
  });
});
