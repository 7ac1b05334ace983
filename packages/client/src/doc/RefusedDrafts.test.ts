import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import type { RefusedChange } from '../store/LocalStore.ts';
import { MemoryStore } from '../store/MemoryStore.ts';
import { RefusedDrafts } from './RefusedDrafts.ts';

const docId = 'w1:ticket:t1';
const draft = (at: number): RefusedChange => ({
  code: DocErrorCode.docTooLarge,
  message: 'too large',
  update: new Uint8Array([at]),
  at,
});

describe('RefusedDrafts', () => {
  it('keeps drafts in the local store, so a reload still offers them', async () => {
    const store = new MemoryStore();
    const drafts = new RefusedDrafts(docId, store, () => undefined);
    drafts.add(draft(1));
    drafts.add(draft(2));
    const reloaded = new RefusedDrafts(docId, store, () => undefined);
    await reloaded.load();
    expect(reloaded.list).toEqual([draft(1), draft(2)]);
  });

  it('forgets the drafts the user exported or discarded, and only those', async () => {
    const store = new MemoryStore();
    const drafts = new RefusedDrafts(docId, store, () => undefined);
    drafts.add(draft(1));
    drafts.add(draft(2));
    const [first] = drafts.list;
    drafts.dismiss([first!]);
    expect(drafts.list).toEqual([draft(2)]);
    expect(await store.getDrafts(docId)).toEqual([draft(2)]);
  });

  it('logs a store that cannot keep them and still holds them in memory', async () => {
    const store = new MemoryStore();
    store.setDrafts = () => Promise.reject(new Error('quota'));
    store.getDrafts = () => Promise.reject(new Error('closed'));
    const logs: string[] = [];
    const drafts = new RefusedDrafts(docId, store, (event) => logs.push(event));
    await drafts.load();
    drafts.add(draft(1));
    await Promise.resolve();
    expect(drafts.list).toEqual([draft(1)]);
    expect(logs).toEqual(['local_drafts_failed', 'local_drafts_failed']);
  });
});
