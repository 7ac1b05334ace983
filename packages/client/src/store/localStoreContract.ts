import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocBinding, LocalStore, RefusedChange } from './LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from './LocalStoreError.ts';

/** Storage for one test: every `open()` is a store over the same data (a reloaded tab). */
export interface LocalStoreFixture {
  open(): LocalStore;
  /**
   * While `cause` is set, writing a doc's updates fails with it, as when the browser's
   * storage is full; `null` makes writes work again.
   */
  failWrites(cause: Error | null): void;
  /** Closes every store opened and frees the storage (and makes writes work again). */
  dispose(): Promise<void>;
}

/** A QuotaExceededError as browsers raise it when the site's storage is full. */
export const storageFull = (): Error => new DOMException('storage full', 'QuotaExceededError');

/**
 * The behaviour every LocalStore must have, run against each implementation (MemoryStore,
 * IndexedDbStore over fake-indexeddb). `fixture` gives fresh, empty storage per test.
 */
export function describeLocalStoreContract(name: string, fixture: () => LocalStoreFixture): void {
  describe(`LocalStore contract: ${name}`, () => {
    let storage: LocalStoreFixture;

    beforeEach(() => {
      storage = fixture();
    });
    afterEach(() => storage.dispose());

    it('holds no doc before one is bound', async () => {
      expect(await storage.open().listDocs()).toEqual([]);
    });

    it('registers a bound doc as held, not dirty', async () => {
      const store = storage.open();
      await (await bindAndLoad(store, 'w1:ticket:a', new Y.Doc())).destroy();
      expect(await store.listDocs()).toEqual([{ docId: 'w1:ticket:a', dirty: false }]);
    });

    it('keeps a doc across bindings and store instances, as a reloaded tab finds it', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      doc.getText('t').insert(0, 'hello');
      await binding.destroy();

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('hello');
    });

    it('applies the stored state in one update with the binding origin, so it is not echoed', async () => {
      const store = storage.open();
      const doc = new Y.Doc();
      const first = await bindAndLoad(store, 'w1:index', doc);
      doc.getText('t').insert(0, 'x');
      doc.getText('t').insert(1, 'y');
      await first.destroy();

      const copy = new Y.Doc();
      const origins: unknown[] = [];
      copy.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
      const binding = await bindAndLoad(store, 'w1:index', copy);
      expect(origins).toEqual([binding.origin]);
      expect(copy.getText('t').toString()).toBe('xy');
      await binding.destroy();
    });

    it('stores what the doc held before its stored state loaded, merged with that state', async () => {
      const store = storage.open();
      const doc = new Y.Doc();
      const first = await bindAndLoad(store, 'w1:ticket:a', doc);
      doc.getMap('m').set('stored', 1);
      await first.destroy();

      const filled = new Y.Doc(); // e.g. a replica rebuilt from the server
      filled.getMap('m').set('before', 2);
      const second = await bindAndLoad(store, 'w1:ticket:a', filled);
      expect(filled.getMap('m').toJSON()).toEqual({ stored: 1, before: 2 });
      await second.destroy();

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getMap('m').toJSON()).toEqual({ stored: 1, before: 2 });
    });

    it('stores every update made while bound, however many', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      const text = doc.getText('t');
      for (let i = 0; i < 250; i++) {
        text.insert(text.length, String(i % 10));
        // Separate tasks, so each change is its own write (and compaction gets to run).
        if (i % 10 === 0) await nextTask();
      }
      await binding.destroy();

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe(text.toString());
    });

    it('stores a change made just before destroy: destroy waits for the write', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      doc.getText('t').insert(0, 'last words');
      await binding.destroy();

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('last words');
    });

    it('stores nothing once the binding is destroyed', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      doc.getText('t').insert(0, 'kept');
      await binding.destroy();
      doc.getText('t').insert(4, ' not kept');

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('kept');
    });

    it('keeps docs apart', async () => {
      const store = storage.open();
      const a = new Y.Doc();
      const b = new Y.Doc();
      const bindings = [
        await bindAndLoad(store, 'w1:ticket:a', a),
        await bindAndLoad(store, 'w1:ticket:b', b),
      ];
      a.getText('t').insert(0, 'A');
      b.getText('t').insert(0, 'B');
      await Promise.all(bindings.map((binding) => binding.destroy()));

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:b', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('B');
    });

    it('reports a failed write while bound, in words, and clears it once a write works again', async () => {
      const store = storage.open();
      const doc = new Y.Doc();
      const binding = await bindAndLoad(store, 'w1:ticket:a', doc);
      storage.failWrites(storageFull());
      const failed = nextWriteReport(binding);
      doc.getText('t').insert(0, 'kept in memory');
      const error = await failed;
      expect(error).toBeInstanceOf(LocalStoreError);
      expect(error).toMatchObject({ code: LocalStoreErrorCode.writeFailed, docId: 'w1:ticket:a' });
      expect(error?.words).toBe(
        'Changes could not be saved on this device: the browser’s storage for this site is full.',
      );

      storage.failWrites(null);
      const cleared = nextWriteReport(binding);
      doc.getText('t').insert(0, 'then ');
      expect(await cleared).toBeNull();
      await binding.destroy();

      // Nothing that failed is missing: the write that worked carried it.
      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('then kept in memory');
    });

    it('gives changes whose write failed a last try at destroy', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      storage.failWrites(storageFull());
      const failed = nextWriteReport(binding);
      doc.getText('t').insert(0, 'saved at the end');
      expect(await failed).not.toBeNull();
      storage.failWrites(null);
      await binding.destroy();

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:ticket:a', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('saved at the end');
    });

    it('rejects destroy with write_failed while changes still cannot be stored', async () => {
      const doc = new Y.Doc();
      const binding = await bindAndLoad(storage.open(), 'w1:ticket:a', doc);
      storage.failWrites(storageFull());
      const failed = nextWriteReport(binding);
      doc.getText('t').insert(0, 'lost with the tab');
      await failed;
      await expect(binding.destroy()).rejects.toMatchObject({
        code: LocalStoreErrorCode.writeFailed,
      });
    });

    it('keeps a dirty flag until it is cleared, also across bindings', async () => {
      const store = storage.open();
      await (await bindAndLoad(store, 'w1:index', new Y.Doc())).destroy();
      await store.setDirty('w1:index', true);
      await (await bindAndLoad(store, 'w1:index', new Y.Doc())).destroy();
      expect(await storage.open().listDocs()).toEqual([{ docId: 'w1:index', dirty: true }]);
      await store.setDirty('w1:index', false);
      expect(await storage.open().listDocs()).toEqual([{ docId: 'w1:index', dirty: false }]);
    });

    it('forgets a deleted doc: its content and its held entry', async () => {
      const store = storage.open();
      const doc = new Y.Doc();
      const binding = await bindAndLoad(store, 'w1:notice:n', doc);
      doc.getText('t').insert(0, 'gone');
      await binding.destroy();
      await store.deleteDoc('w1:notice:n');
      expect(await store.listDocs()).toEqual([]);

      const copy = new Y.Doc();
      await (await bindAndLoad(storage.open(), 'w1:notice:n', copy)).destroy();
      expect(copy.getText('t').toString()).toBe('');
    });

    it('keeps each workspace its last sequence and generation', async () => {
      const store = storage.open();
      expect(await store.getWorkspaceMeta('w1')).toBeNull();
      await store.setWorkspaceMeta('w1', { seq: 42, generation: 'g7' });
      await store.setWorkspaceMeta('w2', { seq: 1, generation: 'g1' });
      expect(await storage.open().getWorkspaceMeta('w1')).toEqual({ seq: 42, generation: 'g7' });
      await store.setWorkspaceMeta('w1', {
        seq: 43,
        generation: 'g7',
        syncedAt: 1_796_000_000_000,
      });
      expect(await storage.open().getWorkspaceMeta('w1')).toEqual({
        seq: 43,
        generation: 'g7',
        syncedAt: 1_796_000_000_000,
      });
    });

    it('keeps refused changes as drafts, and forgets them when set to none', async () => {
      const store = storage.open();
      const draft: RefusedChange = {
        code: 'update_too_large',
        message: 'too large',
        update: new Uint8Array([1, 2, 3]),
        at: 5,
      };
      expect(await store.getDrafts('w1:index')).toEqual([]);
      await store.setDrafts('w1:index', [draft]);
      expect(await storage.open().getDrafts('w1:index')).toEqual([draft]);
      await store.setDrafts('w1:index', []);
      expect(await storage.open().getDrafts('w1:index')).toEqual([]);
    });
  });
}

export async function bindAndLoad(
  store: LocalStore,
  docId: string,
  doc: Y.Doc,
): Promise<DocBinding> {
  const binding = store.bind(docId, doc);
  await binding.whenLoaded;
  return binding;
}

/** The binding's next write report: the error of a failed write, or null once one worked. */
export function nextWriteReport(binding: DocBinding): Promise<LocalStoreError | null> {
  return new Promise((resolve) => {
    const off = binding.onWriteError((error) => {
      off();
      resolve(error);
    });
  });
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
