import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LocalStoreError, LocalStoreErrorCode } from '../store/LocalStoreError.ts';
import { storageFull } from '../store/localStoreContract.ts';
import { MemoryStore } from '../store/MemoryStore.ts';
import { UnreadableStore } from '../testing/UnreadableStore.ts';
import { LocalSaveTracker } from './LocalSaveTracker.ts';

const docId = 'w1:ticket:t1';
const text = (doc: Y.Doc) => doc.getText('t').toString();

/** A tracker over `store`, recording its log lines and how often it reported a change. */
function track(store = new MemoryStore()) {
  const logs: string[] = [];
  let changes = 0;
  const tracker = new LocalSaveTracker(docId, store, {
    changed: () => changes++,
    log: (event) => logs.push(event),
  });
  return { tracker, store, logs, changes: () => changes };
}

/** What the store holds of the doc, read back into a fresh doc. */
function stored(store: MemoryStore): string {
  const doc = new Y.Doc();
  const state = store.storedState(docId);
  if (state) Y.applyUpdate(doc, state);
  return text(doc);
}

describe('LocalSaveTracker', () => {
  it('loads the stored state, and does not take it for a local change', async () => {
    const { tracker, store } = track();
    const seed = new Y.Doc();
    seed.getText('t').insert(0, 'stored');
    const first = store.bind(docId, seed);
    await first.whenLoaded;
    await first.destroy();

    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
    await tracker.load(doc);
    expect(text(doc)).toBe('stored');
    expect(origins.map((origin) => tracker.isStoreOrigin(origin))).toEqual([true]);
    expect(tracker.isStoreOrigin(null)).toBe(false);
    expect(tracker.error).toBeNull();
  });

  it('surfaces a failing write at once, logs it once, and clears it when a later write works', async () => {
    const { tracker, store, logs, changes } = track();
    const doc = new Y.Doc();
    await tracker.load(doc);

    store.failWrites(storageFull());
    doc.getText('t').insert(0, 'a');
    doc.getText('t').insert(1, 'b');
    expect(tracker.error).toBeInstanceOf(LocalStoreError);
    expect(tracker.error?.code).toBe(LocalStoreErrorCode.writeFailed);
    expect(logs.filter((event) => event === 'local_save_failed')).toHaveLength(1);
    expect(changes()).toBe(2);

    store.failWrites(null);
    doc.getText('t').insert(2, 'c');
    expect(tracker.error).toBeNull();
    expect(logs).toContain('local_save_recovered');
    // The write that worked carried the ones that failed.
    expect(stored(store)).toBe('abc');
  });

  it('surfaces a copy that cannot be read as load_failed, and still resolves', async () => {
    const { tracker, logs } = track(new UnreadableStore());
    await tracker.load(new Y.Doc());
    expect(tracker.error?.code).toBe(LocalStoreErrorCode.loadFailed);
    expect(logs).toEqual(['local_load_failed', 'local_save_failed']);
  });

  it('holds unsaved work only while saving fails and the changes are dirty or unconfirmed', async () => {
    const { tracker, store } = track();
    const doc = new Y.Doc();
    await tracker.load(doc);
    tracker.markDirty(true);
    expect(tracker.holdsUnsavedWork(true)).toBe(false); // saved on this device

    store.failWrites(storageFull());
    doc.getText('t').insert(0, 'only in memory');
    expect(tracker.holdsUnsavedWork(false)).toBe(true); // dirty
    tracker.markDirty(false);
    expect(tracker.holdsUnsavedWork(true)).toBe(true); // the server has not confirmed it
    expect(tracker.holdsUnsavedWork(false)).toBe(false); // the server has it
  });

  it('keeps the store’s dirty flag', async () => {
    const { tracker, store } = track();
    await tracker.load(new Y.Doc());
    tracker.markDirty(true);
    expect(await store.listDocs()).toEqual([{ docId, dirty: true }]);
    tracker.markDirty(false);
    expect(await store.listDocs()).toEqual([{ docId, dirty: false }]);
  });

  describe('after a reset', () => {
    it('replaces the stored doc with the new doc’s whole state, changes made meanwhile included', async () => {
      const { tracker, store } = track();
      const old = new Y.Doc();
      await tracker.load(old);
      old.getText('t').insert(0, 'refused');
      const fresh = new Y.Doc();
      fresh.getText('t').insert(0, 'server');

      let replaced!: () => void;
      const done = new Promise<void>((resolve) => (replaced = resolve));
      tracker.replace(fresh, replaced);
      fresh.getText('t').insert(6, ' + meanwhile');
      await done;
      expect(stored(store)).toBe('server + meanwhile');
      fresh.getText('t').insert(0, 'later: ');
      expect(stored(store)).toBe('later: server + meanwhile');
    });

    it('still stores the new doc when the replica is unloaded while the stored doc is replaced', async () => {
      const { tracker, store } = track();
      await tracker.load(new Y.Doc());
      const fresh = new Y.Doc();
      fresh.getText('t').insert(0, 'server');
      tracker.replace(fresh, () => undefined);
      await tracker.close();
      expect(stored(store)).toBe('server');
    });

    it('drops the old doc’s failure and reports failures of the new one only', async () => {
      const { tracker, store } = track();
      const old = new Y.Doc();
      await tracker.load(old);
      store.failWrites(storageFull());
      old.getText('t').insert(0, 'unsaved');
      expect(tracker.error).not.toBeNull();

      store.failWrites(null);
      const fresh = new Y.Doc();
      let replaced!: () => void;
      const done = new Promise<void>((resolve) => (replaced = resolve));
      tracker.replace(fresh, replaced);
      await done;
      expect(tracker.error).toBeNull();
      old.getText('t').insert(0, 'late edit of the old doc');
      store.failWrites(storageFull());
      expect(tracker.error).toBeNull(); // the old binding is gone
      fresh.getText('t').insert(0, 'new');
      expect(tracker.error?.code).toBe(LocalStoreErrorCode.writeFailed);
    });

    it('surfaces a store that cannot replace the doc as write_failed', async () => {
      const store = new MemoryStore();
      store.deleteDoc = () => Promise.reject(new Error('blocked'));
      const { tracker, logs } = track(store);
      await tracker.load(new Y.Doc());
      let replaced!: () => void;
      const done = new Promise<void>((resolve) => (replaced = resolve));
      tracker.replace(new Y.Doc(), replaced);
      await done;
      expect(tracker.error?.code).toBe(LocalStoreErrorCode.writeFailed);
      expect(logs).toContain('local_reset_failed');
    });
  });

  it('reports nothing once closed', async () => {
    const { tracker, store, changes } = track();
    const doc = new Y.Doc();
    await tracker.load(doc);
    const closing = tracker.close();
    store.failWrites(storageFull());
    doc.getText('t').insert(0, 'after close');
    await closing.catch(() => undefined);
    expect(tracker.error).toBeNull();
    expect(changes()).toBe(0);
  });
});
