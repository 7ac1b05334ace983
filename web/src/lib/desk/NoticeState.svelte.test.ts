import { readKey } from '@desk/model';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { openDeskWorkspace } from '../../testing/deskWorkspace.ts';
import { NoticeState } from './NoticeState.svelte.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  vi.useRealTimers();
});

/** A started desk with one notice, open once the local copy of its body is loaded. */
async function openNotice() {
  const { desk } = await openDeskWorkspace();
  cleanups.push(() => desk.destroy());
  desk.index.notices.create('n1', 'Office closed on Friday', desk.actor, 1_000);
  const notice = new NoticeState(desk, 'n1');
  cleanups.push(() => notice.destroy());
  await notice.handle.whenLoaded;
  return { desk, notice };
}

function type(notice: NoticeState, text: string): void {
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  notice.notice.body.insert(notice.notice.body.length, [paragraph]);
}

describe('NoticeState', () => {
  it('shows the record of the index and follows its changes', async () => {
    const { notice } = await openNotice();
    expect(notice.record?.title).toBe('Office closed on Friday');
    notice.update({ title: 'Office closed on Friday and Monday', pinned: true });
    expect(notice.record).toMatchObject({
      title: 'Office closed on Friday and Monday',
      pinned: true,
    });
  });

  it('marks the notice read up to its last change, and again when it changes', async () => {
    const { desk, notice } = await openNotice();
    const key = readKey.notice('n1');
    expect(desk.user.readAt(key)).toBe(notice.record?.updatedAt);
    notice.update({ title: 'Office closed' });
    expect(desk.user.readAt(key)).toBe(notice.record?.updatedAt);
  });

  it("writes the body's excerpt into the index once typing pauses for 1.2 s, not on every keystroke", async () => {
    const { desk, notice } = await openNotice();
    vi.useFakeTimers();
    type(notice, 'The office is closed.');
    vi.advanceTimersByTime(1_000);
    type(notice, 'Write to the desk.');
    vi.advanceTimersByTime(1_199);
    expect(desk.index.notices.get('n1')?.excerpt ?? '').toBe('');
    vi.advanceTimersByTime(1);
    expect(desk.index.notices.get('n1')?.excerpt).toBe(notice.notice.excerpt());
    expect(notice.notice.excerpt()).toContain('Write to the desk.');
  });

  it('writes no excerpt for a change that came from elsewhere, nor after it is closed', async () => {
    const { desk, notice } = await openNotice();
    vi.useFakeTimers();
    const remote = new Y.Doc();
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('From another device.')]);
    remote.getXmlFragment('body').insert(0, [paragraph]);
    Y.applyUpdate(notice.handle.doc, Y.encodeStateAsUpdate(remote), 'remote');
    vi.advanceTimersByTime(5_000);
    expect(desk.index.notices.get('n1')?.excerpt ?? '').toBe('');

    type(notice, 'Typed, then the page was left.');
    notice.destroy();
    vi.advanceTimersByTime(5_000);
    expect(desk.index.notices.get('n1')?.excerpt ?? '').toBe('');
  });
});
