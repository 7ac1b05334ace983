import { IndexedDbStore } from '@desk/client';
import { closeAllOfflineSyncs } from './OfflineSync.ts';
import {
  APP_CACHE_PREFIX,
  APP_PREFIX,
  uploadsDbName,
  userOfDatabase,
  userOfStorageKey,
  userStorePrefix,
} from './localKeys.ts';
import { UploadQueue } from './UploadQueue.ts';

/** What would be lost by deleting a user's local data now. */
export interface UnsyncedWork {
  /** Docs with changes the server has not confirmed. */
  docs: number;
  /** Refused changes kept as drafts. */
  drafts: number;
  /** Attachments picked offline, not uploaded. */
  uploads: number;
  /** Replies being written (kept in localStorage, not sent). */
  replies: number;
}

export function hasUnsyncedWork(work: UnsyncedWork): boolean {
  return work.docs + work.drafts + work.uploads + work.replies > 0;
}

/** Replies being written on this device, by user. */
function replyDraftsByUser(): Map<string, number> {
  const byUser = new Map<string, number>();
  for (const key of Object.keys(localStorage)) {
    const owner = userOfStorageKey(key);
    if (owner) byUser.set(owner, (byUser.get(owner) ?? 0) + 1);
  }
  return byUser;
}

/**
 * Reads a user's replica bookkeeping (without opening any document). Opens only databases
 * that exist: opening creates a missing one, which logout (working from the list of names
 * taken before) would then leave behind, and an unknown user would get an empty replica.
 */
export async function unsyncedWork(userId: string): Promise<UnsyncedWork> {
  const names = await databaseNames();
  const replica = names.has(`${userStorePrefix(userId)}meta`)
    ? await unsyncedChanges(userId)
    : { docs: 0, drafts: 0 };
  const uploads = names.has(uploadsDbName(userId)) ? await queuedUploads(userId) : 0;
  return { ...replica, uploads, replies: replyDraftsByUser().get(userId) ?? 0 };
}

async function unsyncedChanges(userId: string): Promise<Pick<UnsyncedWork, 'docs' | 'drafts'>> {
  const store = new IndexedDbStore({ prefix: userStorePrefix(userId) });
  try {
    const held = await store.listDocs();
    let drafts = 0;
    for (const doc of held) drafts += (await store.getDrafts(doc.docId)).length;
    return { docs: held.filter((doc) => doc.dirty).length, drafts };
  } finally {
    await store.close();
  }
}

async function queuedUploads(userId: string): Promise<number> {
  const uploads = new UploadQueue(userId);
  try {
    return (await uploads.list()).length;
  } finally {
    await uploads.close();
  }
}

/**
 * Logout on a shared computer (terms §2): removes this app's local data — the replica and
 * every other IndexedDB database of the app, the service worker's caches, and the app's
 * localStorage and sessionStorage keys. Another user's replica that still holds changes
 * they have not synced is kept (deleting it would lose their work; it is theirs to sync).
 * `null`: the signed-in user is unknown (offline); everything goes.
 */
export async function wipeLocalData(signedOutUserId: string | null): Promise<void> {
  await closeAllOfflineSyncs();
  const names = [...(await databaseNames())];
  const keepUsers = new Set<string>();
  // Another user's reply being written is their unsent work, as much as a dirty doc.
  for (const owner of replyDraftsByUser().keys()) {
    if (signedOutUserId !== null && owner !== signedOutUserId) keepUsers.add(owner);
  }
  for (const name of names) {
    const owner = userOfDatabase(name);
    // With nobody known (offline logout), the user confirmed losing everything: keep nothing.
    if (owner && signedOutUserId !== null && owner !== signedOutUserId && !keepUsers.has(owner)) {
      if (hasUnsyncedWork(await unsyncedWork(owner))) keepUsers.add(owner);
    }
  }
  for (const name of names) {
    const owner = userOfDatabase(name);
    if (owner && keepUsers.has(owner)) continue;
    if (owner || name.startsWith(APP_PREFIX)) await deleteDatabase(name);
  }
  if ('caches' in globalThis) {
    for (const key of await caches.keys()) {
      if (key.startsWith(APP_CACHE_PREFIX)) await caches.delete(key);
    }
  }
  for (const storage of [localStorage, sessionStorage]) {
    for (const key of Object.keys(storage)) {
      const owner = userOfStorageKey(key);
      if (owner && keepUsers.has(owner)) continue;
      if (key.startsWith(APP_PREFIX)) storage.removeItem(key);
    }
  }
}

/** Unsynced work of every user with a replica on this device (who is signed in is unknown). */
export async function unsyncedWorkOfAnyone(): Promise<UnsyncedWork> {
  const users = new Set([...(await databaseNames())].flatMap((name) => userOfDatabase(name) ?? []));
  let replies = 0;
  for (const count of replyDraftsByUser().values()) replies += count;
  const total: UnsyncedWork = { docs: 0, drafts: 0, uploads: 0, replies };
  for (const user of users) {
    const work = await unsyncedWork(user);
    total.docs += work.docs;
    total.drafts += work.drafts;
    total.uploads += work.uploads;
  }
  return total;
}

async function databaseNames(): Promise<Set<string>> {
  return new Set((await indexedDB.databases()).flatMap((db) => (db.name ? [db.name] : [])));
}

/** Deletes one IndexedDB database (resolves at once when another tab holds it open). */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`Could not delete ${name}`));
    // Another tab still has it open: the deletion completes when that tab closes it.
    req.onblocked = () => resolve();
  });
}
