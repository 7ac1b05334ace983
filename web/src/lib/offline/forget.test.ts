import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { IndexedDbStore } from '@desk/client';
import { DocErrorCode } from '@desk/protocol';
import {
  completeForget,
  deleteWorkspaceReplica,
  finishPendingForgets,
  ForgetReason,
  pendingForgets,
  recordForget,
  type PendingForget,
  type UnsyncedExport,
} from './forget.ts';
import { replyDraftKey, usageKey, userStorePrefix } from './localKeys.ts';
import { ReplicaLedger } from './ReplicaLedger.ts';
import { writeOfflineMode } from './offlineMode.ts';
import { ReplicationMode } from './ReplicationPolicy.ts';
import { UploadQueue } from './UploadQueue.ts';
import { readFirstScreen, writeFirstScreen } from './firstScreenStore.ts';
import { readDisabledItems, writeDisabledItems } from './disabledItemsStore.ts';

/** Any list's key will do: forgetting deletes every list's rows of the workspace. */
const LIST_KEY = 'default';

/** Web Storage as browsers expose it: each key an own enumerable property. */
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

const USER = 'ben';

/**
 * Writes one workspace of Ben's replica as the app does: two ticket docs (the first with a
 * local change the server has not confirmed, and a refused draft), the index, the catch-up
 * position, the replication ledger, a queued upload, and the localStorage keys.
 */
async function writeWorkspace(workspaceId: string, slug: string): Promise<void> {
  const store = new IndexedDbStore({ prefix: userStorePrefix(USER) });
  const ledger = new ReplicaLedger(USER);
  const uploads = new UploadQueue(USER);
  try {
    const docs = [`${workspaceId}:ticket:t1`, `${workspaceId}:ticket:t2`, `${workspaceId}:index`];
    for (const docId of docs) await writeDoc(store, docId, `Text of ${docId}`);
    await store.setDirty(docs[0]!, true);
    await store.setDrafts(docs[0]!, [
      { code: DocErrorCode.accessRevoked, message: 'Removed.', update: new Uint8Array([1]), at: 1 },
    ]);
    await store.setWorkspaceMeta(workspaceId, { seq: 7, generation: 'g1' });
    await ledger.add(docs);
    await uploads.enqueue({
      id: `${slug}-a1`,
      workspaceSlug: slug,
      ticketId: 't1',
      file: new Blob(['%PDF-1.7']),
      name: 'a1.pdf',
      type: 'application/pdf',
      size: 8,
      uploadedBy: USER,
    });
  } finally {
    await store.close();
    await ledger.close();
    await uploads.close();
  }
  // Issue 15: the list rows kept to paint its first screen at the next start.
  await writeFirstScreen(USER, workspaceId, {
    queryKey: LIST_KEY,
    rows: [
      {
        id: 't1',
        number: 1,
        provisionalNumber: 'P-1',
        title: 'Kept row',
        status: 'open',
        priority: 'normal',
        assigneeId: null,
        tags: [],
        updatedAt: 1,
      },
    ],
    countText: '1',
  });
  // Issue 17: the list of disabled content kept for an offline reload.
  await writeDisabledItems(USER, workspaceId, [
    { itemKey: `doc:${workspaceId}:ticket:t2`, reason: 'Disabled by the operator' },
  ]);
  localStorage.setItem(
    replyDraftKey(workspaceId, 't1', USER),
    JSON.stringify('A reply being written'),
  );
  localStorage.setItem(`desk:identity:${slug}`, '{}');
  localStorage.setItem(`desk:numbers:${workspaceId}:${USER}`, '[1,2]');
  // Issue 15: the device's offline mode and the cached usage go with the workspace too.
  writeOfflineMode(workspaceId, USER, ReplicationMode.everything);
  localStorage.setItem(usageKey(workspaceId), '{}');
}

async function writeDoc(store: IndexedDbStore, docId: string, text: string): Promise<void> {
  const doc = new Y.Doc();
  const binding = store.bind(docId, doc);
  await binding.whenLoaded;
  doc.getText('body').insert(0, text);
  await binding.destroy();
  doc.destroy();
}

/** What of a workspace is left in Ben's replica, read as the app would read it. */
async function leftOf(workspaceId: string, slug: string) {
  const store = new IndexedDbStore({ prefix: userStorePrefix(USER) });
  const ledger = new ReplicaLedger(USER);
  const uploads = new UploadQueue(USER);
  try {
    const mine = (docId: string) => docId.startsWith(`${workspaceId}:`);
    const held = (await store.listDocs()).map((d) => d.docId).filter(mine);
    const doc = new Y.Doc();
    const binding = store.bind(`${workspaceId}:ticket:t1`, doc);
    await binding.whenLoaded;
    const text = doc.getText('body').toString();
    await binding.destroy();
    return {
      held: held.sort(),
      text,
      drafts: (await store.getDrafts(`${workspaceId}:ticket:t1`)).length,
      meta: await store.getWorkspaceMeta(workspaceId),
      ledger: [...(await ledger.load())].filter(mine).length,
      uploads: (await uploads.list()).filter((u) => u.workspaceSlug === slug).length,
      keys: Object.keys(localStorage).filter((k) => k.includes(workspaceId) || k.includes(slug))
        .length,
      firstScreen: (await readFirstScreen(USER, workspaceId, LIST_KEY)) !== null,
      disabledList: (await readDisabledItems(USER, workspaceId)) !== null,
    };
  } finally {
    await store.close();
    await ledger.close();
    await uploads.close();
  }
}

const removed: PendingForget = {
  reason: ForgetReason.removed,
  userId: USER,
  workspaceId: 'wsA',
  slug: 'acme',
  workspaceName: 'Acme',
};

beforeEach(async () => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('sessionStorage', new MemoryStorage());
  await writeWorkspace('wsA', 'acme');
  await writeWorkspace('wsB', 'beta');
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a device that loses access forgets the workspace (issue 16)', () => {
  it("deletes only that workspace's rows, drafts, ledger, uploads and keys; another workspace stays", async () => {
    const before = await leftOf('wsB', 'beta');

    await deleteWorkspaceReplica(USER, 'wsA', 'acme');

    expect(await leftOf('wsA', 'acme')).toEqual({
      held: [],
      text: '',
      drafts: 0,
      meta: null,
      ledger: 0,
      uploads: 0,
      keys: 0,
      firstScreen: false,
      disabledList: false,
    });
    expect(await leftOf('wsB', 'beta')).toEqual(before);
    expect(before.firstScreen).toBe(true);
    expect(before.disabledList).toBe(true);
    expect(before.text).toBe('Text of wsB:ticket:t1');
    expect(before.held).toHaveLength(3);
  });

  it('offers the unsynced work of that workspace as a file before deleting it', async () => {
    const offered: UnsyncedExport[] = [];
    recordForget(removed);
    const outcome = await completeForget(removed, (exports) => {
      offered.push(...exports);
    });

    expect(offered.map((e) => e.workspaceId)).toEqual(['wsA']);
    expect(offered[0]!.unsynced.map((u) => u.docId)).toEqual(['wsA:ticket:t1']);
    expect(offered[0]!.drafts).toHaveLength(1);
    expect(offered[0]!.replies).toEqual([{ ticketId: 't1', draft: 'A reply being written' }]);
    expect(outcome.exports).toEqual(offered);
    expect((await leftOf('wsA', 'acme')).held).toEqual([]);
    expect(pendingForgets()).toEqual([]);
  });

  it('finishes a recorded deletion at the next start (a reload in between does not resurrect it)', async () => {
    recordForget(removed);
    // The tab was reloaded before the deletion ran: only the record is left.
    const offered: UnsyncedExport[] = [];
    const outcomes = await finishPendingForgets((exports) => offered.push(...exports));

    expect(outcomes.map((o) => o.forget.slug)).toEqual(['acme']);
    expect(offered).toHaveLength(1);
    expect((await leftOf('wsA', 'acme')).held).toEqual([]);
    expect((await leftOf('wsB', 'beta')).held).toHaveLength(3);
    expect(pendingForgets()).toEqual([]);
  });

  it("deletes every workspace of the user after a revoked session, offering each one's unsynced work", async () => {
    const offered: UnsyncedExport[] = [];
    await completeForget({ ...removed, reason: ForgetReason.sessionRevoked }, (exports) =>
      offered.push(...exports),
    );

    expect(offered.map((e) => e.workspaceId)).toEqual(['wsA', 'wsB']);
    const names = (await indexedDB.databases()).map((db) => db.name);
    expect(names.filter((n) => n?.startsWith(userStorePrefix(USER)))).toEqual([]);
    expect(Object.keys(localStorage)).toEqual([]);
  });
});
