import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { IndexedDbStore } from './IndexedDbStore.ts';

let n = 0;
const freshPrefix = () => `test${n++}:`;

describe('IndexedDbStore (over fake-indexeddb)', () => {
  it('keeps a doc across bindings, as a reloaded tab would find it', async () => {
    const prefix = freshPrefix();
    const store = new IndexedDbStore({ prefix });
    const doc = new Y.Doc();
    const binding = store.bind('w1:ticket:a', doc);
    await binding.whenLoaded;
    doc.getText('t').insert(0, 'hello');
    await binding.destroy();
    await store.close();

    const reopened = new IndexedDbStore({ prefix });
    const copy = new Y.Doc();
    const second = reopened.bind('w1:ticket:a', copy);
    await second.whenLoaded;
    expect(copy.getText('t').toString()).toBe('hello');
    expect(await reopened.listDocs()).toEqual([{ docId: 'w1:ticket:a', dirty: false }]);
    await second.destroy();
    await reopened.close();
  });

  it('applies stored state with its own origin so the client does not echo it', async () => {
    const prefix = freshPrefix();
    const store = new IndexedDbStore({ prefix });
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    await (await bindAndLoad(store, 'w1:index', doc)).destroy();
    const copy = new Y.Doc();
    const origins: unknown[] = [];
    copy.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    const binding = await bindAndLoad(store, 'w1:index', copy);
    expect(origins).toEqual([binding.origin]);
    await binding.destroy();
    await store.close();
  });

  it('forgets a deleted doc', async () => {
    const store = new IndexedDbStore({ prefix: freshPrefix() });
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'gone');
    await (await bindAndLoad(store, 'w1:notice:n', doc)).destroy();
    await store.deleteDoc('w1:notice:n');
    expect(await store.listDocs()).toEqual([]);
    const copy = new Y.Doc();
    await (await bindAndLoad(store, 'w1:notice:n', copy)).destroy();
    expect(copy.getText('t').toString()).toBe('');
    await store.close();
  });

  it('keeps dirty flags, workspace sequences and drafts', async () => {
    const store = new IndexedDbStore({ prefix: freshPrefix() });
    await (await bindAndLoad(store, 'w1:index', new Y.Doc())).destroy();
    await store.setDirty('w1:index', true);
    expect(await store.listDocs()).toEqual([{ docId: 'w1:index', dirty: true }]);

    expect(await store.getWorkspaceMeta('w1')).toBeNull();
    await store.setWorkspaceMeta('w1', { seq: 42, generation: 'g7' });
    expect(await store.getWorkspaceMeta('w1')).toEqual({ seq: 42, generation: 'g7' });

    const draft = {
      code: 'update_too_large' as const,
      message: 'too large',
      update: new Uint8Array([1, 2, 3]),
      at: 5,
    };
    await store.setDrafts('w1:index', [draft]);
    expect(await store.getDrafts('w1:index')).toEqual([draft]);
    await store.setDrafts('w1:index', []);
    expect(await store.getDrafts('w1:index')).toEqual([]);
    await store.close();
  });
});

async function bindAndLoad(store: IndexedDbStore, docId: string, doc: Y.Doc) {
  const binding = store.bind(docId, doc);
  await binding.whenLoaded;
  return binding;
}
