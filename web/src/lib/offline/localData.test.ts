import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { IndexedDbStore, openDatabase } from '@desk/client';
import { DocErrorCode } from '@desk/protocol';
import { hasUnsyncedWork, unsyncedWork, unsyncedWorkOfAnyone, wipeLocalData } from './localData.ts';
import type { UnsyncedWork } from './localData.ts';
import { replicatedDbName, replyDraftKey, uploadsDbName, userStorePrefix } from './localKeys.ts';
import { ReplicaLedger } from './ReplicaLedger.ts';
import { UploadQueue } from './UploadQueue.ts';

/**
 * Web Storage as browsers expose it: each key is an own enumerable property (so
 * `Object.keys(localStorage)` lists the keys) and the methods live on the prototype.
 */
class MemoryStorage implements Storage {
  [key: string]: unknown;
  get length(): number {
    return Object.keys(this).length;
  }
  key(index: number): string | null {
    return Object.keys(this)[index] ?? null;
  }
  getItem(key: string): string | null {
    return Object.hasOwn(this, key) ? String(this[key]) : null;
  }
  setItem(key: string, value: string): void {
    this[key] = String(value);
  }
  removeItem(key: string): void {
    delete this[key];
  }
  clear(): void {
    for (const key of Object.keys(this)) delete this[key];
  }
}

/** The part of Cache Storage logout uses: the service worker's cache names. */
function memoryCaches(names: string[]): Pick<CacheStorage, 'keys' | 'delete'> {
  const held = new Set(names);
  return {
    keys: () => Promise.resolve([...held]),
    delete: (name) => Promise.resolve(held.delete(name)),
  };
}

type Work = 'dirty doc' | 'refused draft' | 'queued upload';

/**
 * Writes a user's replica as the app does: a synced doc in the store (meta + update log),
 * the replication ledger, the uploads queue, plus the unsynced work asked for.
 */
async function writeReplica(userId: string, work: readonly Work[] = []): Promise<void> {
  const store = new IndexedDbStore({ prefix: userStorePrefix(userId) });
  const ledger = new ReplicaLedger(userId);
  const uploads = new UploadQueue(userId);
  try {
    const docId = 'w1:ticket:t1';
    await writeDoc(store, docId, 'Printer on floor 2 is jammed');
    await ledger.add([docId]);
    if (work.includes('dirty doc')) await store.setDirty(docId, true);
    if (work.includes('refused draft')) await store.setDrafts(docId, [refusedChange()]);
    if (work.includes('queued upload')) await uploads.enqueue(attachment('a1'));
  } finally {
    await store.close();
    await ledger.close();
    await uploads.close();
  }
}

async function writeDoc(store: IndexedDbStore, docId: string, text: string): Promise<void> {
  const doc = new Y.Doc();
  const binding = store.bind(docId, doc);
  await binding.whenLoaded;
  doc.getText('body').insert(0, text);
  await binding.destroy();
  doc.destroy();
}

function refusedChange() {
  return {
    code: DocErrorCode.workspaceReadOnly,
    message: 'The trial has ended.',
    update: new Uint8Array([1, 2, 3]),
    at: 1,
  };
}

function attachment(id: string) {
  return {
    id,
    workspaceSlug: 'acme',
    ticketId: 't1',
    file: new Blob(['%PDF-1.7']),
    name: `${id}.pdf`,
    type: 'application/pdf',
    size: 8,
    uploadedBy: 'u',
  };
}

async function createDatabase(name: string): Promise<void> {
  (await openDatabase(name, 1, () => undefined)).close();
}

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).flatMap((db) => (db.name ? [db.name] : [])).sort();
}

async function databasesOf(userId: string): Promise<string[]> {
  return (await databaseNames()).filter((name) => name.startsWith(userStorePrefix(userId)));
}

function allDatabasesOf(userId: string): string[] {
  const prefix = userStorePrefix(userId);
  return [`${prefix}meta`, replicatedDbName(userId), `${prefix}updates`, uploadsDbName(userId)];
}

const nothing: UnsyncedWork = { docs: 0, drafts: 0, uploads: 0, replies: 0 };

let caches: Pick<CacheStorage, 'keys' | 'delete'>;

beforeEach(() => {
  // A fresh, empty IndexedDB per test; Node has no Web Storage nor Cache Storage.
  vi.stubGlobal('indexedDB', new IDBFactory());
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('sessionStorage', new MemoryStorage());
  caches = memoryCaches(['desk-app-v1', 'other-app-cache']);
  vi.stubGlobal('caches', caches);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('wipeLocalData (logout on a shared computer)', () => {
  it("deletes every database of the signed-out user, the app's storage keys and caches", async () => {
    await writeReplica('A', ['dirty doc', 'refused draft', 'queued upload']);
    await createDatabase('desk:legacy');
    await createDatabase('other-app');
    localStorage.setItem('desk:identity:acme', '{"id":"A"}');
    localStorage.setItem('desk:draft:w1:t1:A', '{"text":"Hello"}');
    localStorage.setItem('other-app:theme', 'dark');
    sessionStorage.setItem('desk:tickets:acme', '{}');
    expect(await databasesOf('A')).toEqual(allDatabasesOf('A'));

    await wipeLocalData('A');

    expect(await databaseNames()).toEqual(['other-app']);
    expect(Object.keys(localStorage)).toEqual(['other-app:theme']);
    expect(Object.keys(sessionStorage)).toEqual([]);
    expect(await caches.keys()).toEqual(['other-app-cache']);
  });

  it.each<Work>(['dirty doc', 'refused draft', 'queued upload'])(
    "keeps whole another user's replica holding only a %s",
    async (work) => {
      await writeReplica('A');
      await writeReplica('B', [work]);
      const workOfB = await unsyncedWork('B');
      expect(workOfB).not.toEqual(nothing);

      await wipeLocalData('A');

      expect(await databasesOf('A')).toEqual([]);
      expect(await databasesOf('B')).toEqual(allDatabasesOf('B'));
      expect(await unsyncedWork('B')).toEqual(workOfB);
    },
  );

  it("keeps another user's reply being written, and their replica with it", async () => {
    await writeReplica('A');
    await writeReplica('B');
    localStorage.setItem(replyDraftKey('w1', 't1', 'A'), '{"body":"mine"}');
    localStorage.setItem(replyDraftKey('w1', 't1', 'B'), '{"body":"Half a reply"}');

    await wipeLocalData('A');

    expect(Object.keys(localStorage)).toEqual([replyDraftKey('w1', 't1', 'B')]);
    expect(await databasesOf('A')).toEqual([]);
    expect(await databasesOf('B')).toEqual(allDatabasesOf('B'));
  });

  it("deletes another user's replica that holds nothing unsynced", async () => {
    await writeReplica('A');
    await writeReplica('B');

    await wipeLocalData('A');

    expect(await databaseNames()).toEqual([]);
  });

  it("deletes another user's replica without an uploads queue, leaving none behind", async () => {
    await writeReplica('A');
    const store = new IndexedDbStore({ prefix: userStorePrefix('B') });
    await writeDoc(store, 'w1:ticket:t1', 'Printer on floor 2 is jammed');
    await store.close();

    await wipeLocalData('A');

    expect(await databaseNames()).toEqual([]);
  });

  it("with nobody known (offline logout), deletes everything, other users' unsynced work too", async () => {
    await writeReplica('A', ['dirty doc']);
    await writeReplica('B', ['dirty doc', 'refused draft', 'queued upload']);
    await createDatabase('other-app');

    await wipeLocalData(null);

    expect(await databaseNames()).toEqual(['other-app']);
  });
});

describe('unsyncedWork', () => {
  it("counts the replies a user is writing, and only theirs; anyone's when nobody is known", async () => {
    localStorage.setItem(replyDraftKey('w1', 't1', 'B'), '{"body":"Half a reply"}');
    localStorage.setItem(replyDraftKey('w1', 't2', 'B'), '{"body":"Another"}');
    localStorage.setItem(replyDraftKey('w1', 't1', 'C'), '{"body":"Theirs"}');

    expect(await unsyncedWork('B')).toEqual({ ...nothing, replies: 2 });
    expect(hasUnsyncedWork(await unsyncedWork('B'))).toBe(true);
    expect(await unsyncedWorkOfAnyone()).toEqual({ ...nothing, replies: 3 });
    expect(await databaseNames()).toEqual([]);
  });

  it('counts dirty docs, refused drafts and queued uploads', async () => {
    const store = new IndexedDbStore({ prefix: userStorePrefix('B') });
    const uploads = new UploadQueue('B');
    await writeDoc(store, 'w1:ticket:t1', 'one');
    await writeDoc(store, 'w1:ticket:t2', 'two');
    await writeDoc(store, 'w1:ticket:t3', 'three');
    await store.setDirty('w1:ticket:t1', true);
    await store.setDirty('w1:ticket:t2', true);
    await store.setDrafts('w1:ticket:t1', [refusedChange(), refusedChange()]);
    await store.setDrafts('w1:ticket:t3', [refusedChange()]);
    await uploads.enqueue(attachment('a1'));
    await uploads.enqueue(attachment('a2'));
    await store.close();
    await uploads.close();

    expect(await unsyncedWork('B')).toEqual({ docs: 2, drafts: 3, uploads: 2, replies: 0 });
  });

  it('counts the uploads of a user whose replica has no bookkeeping yet', async () => {
    const uploads = new UploadQueue('B');
    await uploads.enqueue(attachment('a1'));
    await uploads.close();

    expect(await unsyncedWork('B')).toEqual({ docs: 0, drafts: 0, uploads: 1, replies: 0 });
  });

  it('reports nothing for an unknown user, without creating any database', async () => {
    expect(await unsyncedWork('nobody')).toEqual(nothing);
    expect(await databaseNames()).toEqual([]);
  });

  it('reads a replica without an uploads queue without creating one', async () => {
    const store = new IndexedDbStore({ prefix: userStorePrefix('B') });
    await writeDoc(store, 'w1:ticket:t1', 'one');
    await store.setDirty('w1:ticket:t1', true);
    await store.close();

    expect(await unsyncedWork('B')).toEqual({ docs: 1, drafts: 0, uploads: 0, replies: 0 });
    expect(await databasesOf('B')).toEqual([
      `${userStorePrefix('B')}meta`,
      `${userStorePrefix('B')}updates`,
    ]);
  });
});
