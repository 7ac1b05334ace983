import { IndexedDbStore } from '@desk/client';
import { parseDocId } from '@desk/protocol';
import { collectDrafts, downloadJson, type DraftExport } from './drafts.ts';
import { openDatabase, request, transactionDone } from './idb.ts';
import {
  APP_PREFIX,
  disabledItemsDbName,
  firstScreenDbName,
  replicatedDbName,
  searchDbName,
  userOfStorageKey,
  userStorePrefix,
} from './localKeys.ts';
import { clearHttpCache, retryHttpCacheClear } from './httpCache.ts';
import { deleteDatabase, wipeLocalData } from './localData.ts';
import { closeAllOfflineSyncs } from './OfflineSync.ts';
import { DISABLED_ITEMS_STORE } from './disabledItemsStore.ts';
import { UploadQueue } from './UploadQueue.ts';

/**
 * Why a device forgets (issue 16): the member was removed from the workspace (or the
 * workspace is gone: the index doc answers not_member), or the session was revoked. A
 * removal forgets one workspace; a revoked session forgets every replica of the user, since
 * the replica belongs to the user and nobody is signed in to it any more.
 */
export const ForgetReason = {
  removed: 'removed',
  /** The workspace is being deleted (its owner asked, or its subscription ended). */
  workspaceDeleted: 'workspace_deleted',
  sessionRevoked: 'session_revoked',
  /**
   * An operator's support grant was revoked or ran out (terms §3): to the server a removal,
   * but "you were removed" would not be what happened.
   */
  supportEnded: 'support_ended',
} as const;
export type ForgetReason = (typeof ForgetReason)[keyof typeof ForgetReason];

/** A deletion decided and not yet known to be complete (survives a reload). */
export interface PendingForget {
  reason: ForgetReason;
  userId: string;
  workspaceId: string;
  slug: string;
  /** For the words ("You were removed from <name>."). */
  workspaceName: string;
}

/** A reply being written when access ended (kept in localStorage, never sent). */
export interface ExportedReply {
  ticketId: string;
  /** The stored draft as the composer kept it (its text and kind). */
  draft: unknown;
}

/** The refused-work export of one workspace, plus the replies being written there. */
export interface UnsyncedExport extends DraftExport {
  replies: ExportedReply[];
}

/** What the device did: the words to show and the unsynced work it downloaded first. */
export interface ForgetOutcome {
  forget: PendingForget;
  exports: UnsyncedExport[];
}

/** localStorage key of the deletions to finish; written before any deletion starts. */
export const FORGET_PENDING_KEY = `${APP_PREFIX}:forget-pending`;

export function pendingForgets(): PendingForget[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(FORGET_PENDING_KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as PendingForget[]) : [];
  } catch {
    return [];
  }
}

function sameForget(a: PendingForget, b: PendingForget): boolean {
  return a.reason === b.reason && a.userId === b.userId && a.workspaceId === b.workspaceId;
}

/** Records the decision first, so a reload in between finishes it instead of resurrecting. */
export function recordForget(forget: PendingForget): void {
  const pending = pendingForgets().filter((p) => !sameForget(p, forget));
  localStorage.setItem(FORGET_PENDING_KEY, JSON.stringify([...pending, forget]));
}

function clearForget(forget: PendingForget): void {
  const pending = pendingForgets().filter((p) => !sameForget(p, forget));
  if (pending.length > 0) localStorage.setItem(FORGET_PENDING_KEY, JSON.stringify(pending));
  else localStorage.removeItem(FORGET_PENDING_KEY);
}

/**
 * The user's own work that never reached the server, per workspace (the refused-work export
 * format), read from the replica without opening a socket. `workspaceId` null: every
 * workspace the replica holds. Workspaces with nothing unsynced are left out.
 */
export async function unsyncedExports(
  userId: string,
  workspaceId: string | null,
): Promise<UnsyncedExport[]> {
  const wanted = (ws: string | undefined): ws is string =>
    !!ws && (workspaceId === null || ws === workspaceId);
  const replies = replyDrafts(userId);
  const store = new IndexedDbStore({ prefix: userStorePrefix(userId) });
  try {
    const workspaces = new Set<string>([...replies.keys()].filter(wanted));
    for (const { docId } of await store.listDocs()) {
      const ws = parseDocId(docId)?.workspaceId;
      if (wanted(ws)) workspaces.add(ws);
    }
    const exports: UnsyncedExport[] = [];
    for (const ws of [...workspaces].sort()) {
      const data = { ...(await collectDrafts(store, ws)), replies: replies.get(ws) ?? [] };
      if (data.drafts.length + data.unsynced.length + data.replies.length > 0) exports.push(data);
    }
    return exports;
  } finally {
    await store.close();
  }
}

/** The replies a user is writing, by workspace (localStorage keys, see replyDraftKey). */
function replyDrafts(userId: string): Map<string, ExportedReply[]> {
  const byWorkspace = new Map<string, ExportedReply[]>();
  for (const key of Object.keys(localStorage)) {
    if (userOfStorageKey(key) !== userId) continue;
    const match = /^desk:draft:([^:]+):(.+):[^:]+$/.exec(key);
    if (!match) continue;
    let draft: unknown;
    try {
      draft = JSON.parse(localStorage.getItem(key) ?? 'null');
    } catch {
      draft = localStorage.getItem(key);
    }
    const list = byWorkspace.get(match[1]!) ?? [];
    list.push({ ticketId: match[2]!, draft });
    byWorkspace.set(match[1]!, list);
  }
  return byWorkspace;
}

/**
 * Deletes one workspace's part of a user's replica: its docs' rows in the update log (and
 * any previous-layout databases), their held/dirty flags and refused drafts, its catch-up
 * position, its replication ledger rows, its queued uploads, the list rows kept for its
 * first screen, and its localStorage keys
 * (reply drafts, cached identity, reserved ticket numbers, the offline mode chosen for this
 * device, the cached usage). Other workspaces stay as they are.
 * The sync client of this tab must be closed first (it would write rows back).
 */
export async function deleteWorkspaceReplica(
  userId: string,
  workspaceId: string,
  slug: string,
): Promise<void> {
  const ofWorkspace = (docId: string) => parseDocId(docId)?.workspaceId === workspaceId;
  const store = new IndexedDbStore({ prefix: userStorePrefix(userId) });
  try {
    for (const { docId } of await store.listDocs()) {
      if (!ofWorkspace(docId)) continue;
      await store.deleteDoc(docId);
    }
  } finally {
    await store.close();
  }
  await deleteKeys(`${userStorePrefix(userId)}meta`, 'workspaces', (key) => key === workspaceId);
  // Refused drafts too, also those of docs no longer held (deleteDoc leaves drafts).
  await deleteKeys(`${userStorePrefix(userId)}meta`, 'drafts', ofWorkspace);
  await deleteKeys(replicatedDbName(userId), 'docs', ofWorkspace);
  // The device search index of this workspace (an open one closes on this deletion's request).
  await deleteDatabase(searchDbName(userId, workspaceId));
  // The rows kept to paint the list's first screen at the next start.
  await deleteKeys(firstScreenDbName(userId), 'screens', (key) =>
    key.startsWith(`${workspaceId}:`),
  );
  // The list of disabled content (it names the workspace's items and the operator's reasons).
  await deleteKeys(disabledItemsDbName(userId), DISABLED_ITEMS_STORE, (key) => key === workspaceId);
  const uploads = new UploadQueue(userId);
  try {
    for (const item of await uploads.list()) {
      if (item.workspaceSlug === slug) await uploads.remove(item.id);
    }
  } finally {
    await uploads.close();
  }
  const keys = [`${APP_PREFIX}:identity:${slug}`];
  for (const key of Object.keys(localStorage)) {
    if (
      key.startsWith(`${APP_PREFIX}:draft:${workspaceId}:`) ||
      key.startsWith(`${APP_PREFIX}:numbers:${workspaceId}:`) ||
      key.startsWith(`${APP_PREFIX}:offline-mode:${workspaceId}:`) ||
      key === `${APP_PREFIX}:usage:${workspaceId}`
    ) {
      keys.push(key);
    }
  }
  for (const key of keys) localStorage.removeItem(key);
}

/** Deletes the matching keys of one object store, if the database and store exist. */
async function deleteKeys(
  database: string,
  storeName: string,
  matches: (key: string) => boolean,
): Promise<void> {
  const names = new Set((await indexedDB.databases()).map((db) => db.name));
  if (!names.has(database)) return;
  const db = await openDatabase(database, [storeName]);
  try {
    if (!db.objectStoreNames.contains(storeName)) return;
    const keys = await request(
      db.transaction(storeName, 'readonly').objectStore(storeName).getAllKeys(),
    );
    const tx = db.transaction(storeName, 'readwrite');
    for (const key of keys) if (matches(String(key))) tx.objectStore(storeName).delete(key);
    await transactionDone(tx);
  } finally {
    db.close();
  }
}

/**
 * Carries out a recorded deletion: closes this tab's sync clients, reads the user's unsynced
 * work, offers it as a file download (started before anything is deleted, so the work is
 * on disk, not only in this tab), deletes, has the browser's HTTP cache emptied (the
 * attachment files), and clears the record. Safe to run again after a
 * reload cut it short: every step finds what is left.
 */
export async function completeForget(
  forget: PendingForget,
  offer: (exports: UnsyncedExport[]) => void = downloadExports,
): Promise<ForgetOutcome> {
  await closeAllOfflineSyncs();
  const revoked = forget.reason === ForgetReason.sessionRevoked;
  const exports = await unsyncedExports(forget.userId, revoked ? null : forget.workspaceId);
  if (exports.length > 0) offer(exports);
  if (revoked) await wipeLocalData(forget.userId);
  else await deleteWorkspaceReplica(forget.userId, forget.workspaceId, forget.slug);
  // The attachments it was shown too (owed until the server is reached, then asked at start).
  await clearHttpCache();
  clearForget(forget);
  return { forget, exports };
}

/** The file name a workspace's unsynced work is downloaded as. */
export function exportFileName(data: UnsyncedExport): string {
  return `unsynced-work-${data.workspaceId}.json`;
}

export function downloadExports(exports: UnsyncedExport[]): void {
  for (const data of exports) downloadJson(exportFileName(data), data);
}

let started: Promise<ForgetOutcome[]> | null = null;

/**
 * Finishes the deletions a previous page left pending (once per tab, before any workspace
 * opens its replica). Failures stay recorded and are retried at the next start.
 */
export function finishPendingForgets(
  offer: (exports: UnsyncedExport[]) => void = downloadExports,
): Promise<ForgetOutcome[]> {
  started ??= (async () => {
    await retryHttpCacheClear();
    const outcomes: ForgetOutcome[] = [];
    for (const forget of pendingForgets()) {
      try {
        outcomes.push(await completeForget(forget, offer));
      } catch (error) {
        console.error('Could not delete the local data of a workspace', error);
      }
    }
    return outcomes;
  })();
  return started;
}

/** The words for what happened, exactly. */
export function forgetWords(forget: PendingForget): string {
  switch (forget.reason) {
    case ForgetReason.removed:
      return `You were removed from ${forget.workspaceName}. Its data has been deleted from this device.`;
    case ForgetReason.workspaceDeleted:
      return `${forget.workspaceName} is being deleted. Its data has been deleted from this device.`;
    case ForgetReason.supportEnded:
      return `Your support access to ${forget.workspaceName} ended: the customer revoked it or it ran out. Its data has been deleted from this device.`;
    case ForgetReason.sessionRevoked:
      return 'Your session was ended. The data of your workspaces has been deleted from this device; log in again to get it back from the server.';
  }
}
